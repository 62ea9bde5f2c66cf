// `dlexport dlq list|redrive` as a process against a queue file made with the library.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "queue/sqlite/sqlite_job_queue.h"
#include "tests/support/paths.h"

namespace dlexport {
namespace {

struct CliRun {
  int exit_code;
  std::string out;
};

CliRun run(const std::string& args) {
  const std::string command =
      (dlexport::testing::bin_dir() / "dlexport").string() + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer{};
  while (pipe != nullptr && std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) {
    out += buffer.data();
  }
  const int status = pipe != nullptr ? ::pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(DlqCliTest, ListsAndRedrivesDeadLetters) {
  const auto dir = dlexport::testing::make_temp_dir("dlx-dlq");
  std::vector<queue::JobId> ids;
  {
    auto q =
        std::move(queue::open_sqlite_job_queue({.path = (dir / queue::kQueueFileName).string()}))
            .value();
    const auto target = queue::Target::driver("6600000000000000000000d1");
    ids = q->enqueue(target,
                     std::vector<std::string>{fmt::format("{:024x}", 1), fmt::format("{:024x}", 2),
                                              fmt::format("{:024x}", 3)})
              .value();
    q->claim("w", 10, std::chrono::seconds(60)).value();
    for (auto id : ids) ASSERT_TRUE(q->fail("w", id, failed_precondition("unsafe driver"), {}));
  }
  const std::string state = "--state-dir " + dir.string();

  const CliRun list = run("dlq list " + state);
  EXPECT_EQ(list.exit_code, 0) << list.out;
  EXPECT_NE(list.out.find("3 dead letter(s)"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("FAILED_PRECONDITION: unsafe driver"), std::string::npos);

  const CliRun json = run("dlq list --json " + state);
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_NE(json.out.find(R"("job_id":)" + std::to_string(ids[0])), std::string::npos) << json.out;

  const CliRun one = run("dlq redrive " + std::to_string(ids[1]) + " " + state);
  EXPECT_EQ(one.exit_code, 0) << one.out;
  EXPECT_NE(one.out.find("redriven 1 job(s) " + std::to_string(ids[1])), std::string::npos)
      << one.out;
  EXPECT_EQ(run("dlq redrive " + state).exit_code, 2) << "ids or --all are required";
  EXPECT_EQ(run("dlq redrive --all 5 " + state).exit_code, 2);
  const CliRun all = run("dlq redrive --all " + state);
  EXPECT_NE(all.out.find("redriven 2 job(s)"), std::string::npos) << all.out;
  EXPECT_NE(run("dlq list " + state).out.find("0 dead letter(s)"), std::string::npos);

  auto q = std::move(queue::open_sqlite_job_queue({.path = (dir / queue::kQueueFileName).string()}))
               .value();
  EXPECT_EQ(q->stats().value().pending, 3);
  EXPECT_EQ(run("dlq list --state-dir " + (dir / "missing").string()).exit_code, 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dlexport
