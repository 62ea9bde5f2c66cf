// The built binary: `serve` prints the listening line, serves, stops on SIGTERM/SIGINT;
// `token` prints a key the server accepts; bad flags fail.

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>

#include "common/json.h"
#include "emulator/jwt.h"
#include "tests/support/emulator_process.h"
#include "tests/support/paths.h"

namespace dlexport::emulator {
namespace {

using dlexport::testing::EmulatorProcess;
using dlexport::testing::run_emulator_command;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TEST(EmulatorProcess, ServesWithFixtureAcceptsTokenCommandAndStopsOnSigterm) {
  const auto dir = dlexport::testing::make_temp_dir("dlx-emu-proc");
  const auto fixture = dir / "fixture.json";
  std::ofstream(fixture) << R"({"projects": [{"id": "6600000000000000000000a1", "name": "p"}]})";

  std::string error;
  auto emu = EmulatorProcess::start({"--fixture", fixture.string(), "--jwt-secret", "s1"}, &error);
  ASSERT_NE(emu, nullptr) << error;
  EXPECT_EQ(emu->listening_line(), "listening on http://127.0.0.1:" + std::to_string(emu->port()));
  EXPECT_GT(emu->port(), 0);

  auto token = run_emulator_command(
      {"token", "--email", "cli@example.com", "--ttl", "600", "--jwt-secret", "s1"});
  ASSERT_EQ(token.exit_code, 0);
  const std::string key = trim(token.out);
  auto claims = verify_jwt(key, "s1", unix_now());
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ((*claims)["exp"].get<std::int64_t>() - (*claims)["iat"].get<std::int64_t>(), 600);

  httplib::Client c("127.0.0.1", emu->port());
  auto me = c.Get("/api/v1/users/me", {{"authorization", "Bearer " + key}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);
  EXPECT_EQ(Json::parse(me->body)["email"], "cli@example.com");
  auto project =
      c.Get("/api/v1/projects/6600000000000000000000a1", {{"authorization", "Bearer " + key}});
  ASSERT_TRUE(project);
  EXPECT_EQ(project->status, 200);
  // A token signed with the default dev secret is refused by a server with another secret.
  auto dev_token = run_emulator_command({"token"});
  EXPECT_EQ(c.Get("/api/v1/users/me", {{"authorization", "Bearer " + trim(dev_token.out)}})->status,
            401);

  const int status = emu->stop(SIGTERM);
  ASSERT_NE(status, -1) << "did not exit on SIGTERM";
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::filesystem::remove_all(dir);
}

TEST(EmulatorProcess, StopsOnSigint) {
  std::string error;
  auto emu = EmulatorProcess::start({"--latency-ms", "1"}, &error);
  ASSERT_NE(emu, nullptr) << error;
  const int status = emu->stop(SIGINT);
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(EmulatorProcess, HelpAndBadArguments) {
  auto help = run_emulator_command({"serve", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--listen", "--storage-root", "--fixture", "--latency-ms",
                           "--jwt-secret", "--allow-remote"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(run_emulator_command({"token", "--help"}).exit_code, 0);
  EXPECT_NE(run_emulator_command({}).exit_code, 0);
  EXPECT_NE(
      run_emulator_command({"serve", "--listen", "0.0.0.0:0", "--storage-root", "/tmp"}).exit_code,
      0);
  EXPECT_NE(
      run_emulator_command({"serve", "--listen", "nonsense", "--storage-root", "/tmp"}).exit_code,
      0);
  EXPECT_NE(run_emulator_command({"token", "--ttl", "0"}).exit_code, 0);
}

}  // namespace
}  // namespace dlexport::emulator
