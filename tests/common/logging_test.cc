#include "common/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace dlexport {
namespace {

TEST(LoggingTest, JsonLinesParseAndCarryTheMessage) {
  ASSERT_TRUE(init_logging("info", LogFormat::kJson).is_ok());
  ::testing::internal::CaptureStderr();
  spdlog::info("exported item {} to \"{}\"", "66000000000000000000e8", "/a/b.json");
  spdlog::debug("not shown at info");
  spdlog::default_logger()->flush();
  const std::string out = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.find("not shown"), std::string::npos);
  auto line = nlohmann::json::parse(out.substr(0, out.find('\n')));
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["msg"], "exported item 66000000000000000000e8 to \"/a/b.json\"");
  EXPECT_TRUE(line["ts"].get<std::string>().ends_with("Z"));
}

TEST(LoggingTest, InvalidUtf8DoesNotThrow) {
  ASSERT_TRUE(init_logging("info", LogFormat::kJson).is_ok());
  ::testing::internal::CaptureStderr();
  spdlog::info("name: {}", std::string("bad \xff\xfe bytes"));
  spdlog::default_logger()->flush();
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_NO_THROW(nlohmann::json::parse(out.substr(0, out.find('\n'))));
}

TEST(LoggingTest, UnknownLevelIsRejected) {
  Status s = init_logging("loud", LogFormat::kText);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dlexport
