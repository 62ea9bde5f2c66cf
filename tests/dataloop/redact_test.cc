#include "common/redact.h"

#include <gtest/gtest.h>

namespace dlexport {
namespace {

TEST(RedactTest, KnownSecretsAnywhere) {
  EXPECT_EQ(redact("key abc123 and abc123", {"abc123"}), "key [REDACTED] and [REDACTED]");
  EXPECT_EQ(redact("nothing here", {""}), "nothing here");
}

TEST(RedactTest, BearerHeaders) {
  EXPECT_EQ(redact("authorization: Bearer sk-live_99"), "authorization: Bearer [REDACTED]");
  EXPECT_EQ(redact("AUTHORIZATION: bearer x.y.z"), "AUTHORIZATION: bearer [REDACTED]");
}

TEST(RedactTest, JwtShapes) {
  const std::string out = redact("token eyJhbGciOi.eyJlbWFpbCI6.c2ln expired");
  EXPECT_EQ(out.find("eyJ"), std::string::npos);
  EXPECT_NE(out.find("[REDACTED]"), std::string::npos);
}

TEST(RedactTest, CredentialFields) {
  const std::string json =
      R"({"username": "bot@x", "password": "s3cret", "refresh_token":"rt-1", "type": "x"})";
  const std::string out = redact(json);
  EXPECT_EQ(out.find("s3cret"), std::string::npos);
  EXPECT_EQ(out.find("rt-1"), std::string::npos);
  EXPECT_NE(out.find("bot@x"), std::string::npos);
  EXPECT_EQ(redact("a=1&password=hunter2&b=2"), "a=1&password=[REDACTED]&b=2");
  EXPECT_EQ(redact("api_key: k-777, next"), "api_key: [REDACTED], next");
}

TEST(RedactTest, LeavesOrdinaryTextAlone) {
  EXPECT_EQ(redact("GET /items/6600: HTTP 404: Item not found"),
            "GET /items/6600: HTTP 404: Item not found");
  EXPECT_EQ(redact("token expired"), "token expired");
}

TEST(RedactTest, TruncateKeepsUtf8Whole) {
  EXPECT_EQ(truncate_utf8("abc", 10), "abc");
  EXPECT_EQ(truncate_utf8("abcdef", 3), "abc...");
  const std::string cyrillic = "папка";  // 2 bytes per letter
  EXPECT_EQ(truncate_utf8(cyrillic, 3), "п...");
}

}  // namespace
}  // namespace dlexport
