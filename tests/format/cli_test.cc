// Runs the real dlexport binary: `dlexport format` must print the golden bytes exactly.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "tests/format/test_files.h"
#include "tests/support/paths.h"

namespace dlexport::format {
namespace {

struct CliRun {
  int exit_code;
  std::string out;
};

CliRun run(const std::string& args) {
  const std::string command = (dlexport::testing::bin_dir() / "dlexport").string() + " " + args;
  CliRun r{-1, {}};
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

TEST(DlexportCli, FormatPrintsGoldenBytesAndPath) {
  const auto dir = dlexport::testing::shared_dir() / "dataloop" / "golden" / "007-video";
  CliRun r = run("format --item " + quoted(dir / "item.json") + " --annotations " +
                 quoted(dir / "annotations.json"));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.out == testing::read_file(dir / "expected.json"));

  CliRun p = run("format --path-template '{dir}/{stem}.json' --item " + quoted(dir / "item.json"));
  ASSERT_EQ(p.exit_code, 0);
  EXPECT_EQ(p.out, testing::read_file(dir / "expected_path.txt"));
}

TEST(DlexportCli, RawFormatRoundTripsThroughTheCli) {
  const auto dir = dlexport::testing::shared_dir() / "dataloop" / "golden" / "001-image";
  CliRun r = run("format --format raw --item " + quoted(dir / "item.json") + " --annotations " +
                 quoted(dir / "annotations.json"));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.front(), '{');
  EXPECT_EQ(r.out.find('\n'), std::string::npos);  // compact
}

TEST(DlexportCli, InputErrorsExitTwoWithTheFileName) {
  const auto tmp = dlexport::testing::make_temp_dir("dlx-cli");
  {
    std::FILE* f = std::fopen((tmp / "bad.json").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("{\"id\": \n  nope}", f);
    std::fclose(f);
  }
  CliRun bad = run("format --item " + quoted(tmp / "bad.json") + " 2>&1");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("bad.json"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("line 2"), std::string::npos) << bad.out;

  CliRun missing = run("format --item " + quoted(tmp / "missing.json") + " 2>&1");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("missing.json"), std::string::npos) << missing.out;

  CliRun usage = run("format 2>&1");
  EXPECT_EQ(usage.exit_code, 2);

  CliRun unknown = run("format --format csv --item " + quoted(tmp / "bad.json") + " 2>&1");
  EXPECT_EQ(unknown.exit_code, 2);

  CliRun help = run("format --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);
  std::filesystem::remove_all(tmp);
}

}  // namespace
}  // namespace dlexport::format
