#include "dataloop/errors.h"

#include <gtest/gtest.h>

#include "dataloop/jwt.h"
#include "http/testing/fake_http_client.h"
#include "tests/dataloop/test_util.h"

namespace dlexport::dataloop {
namespace {

using http::testing::json_response;
using http::testing::text_response;
using std::chrono::milliseconds;

TEST(StatusMappingTest, EveryDocumentedStatus) {
  EXPECT_EQ(status_code_for_http(400), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_code_for_http(401), StatusCode::kUnauthenticated);
  EXPECT_EQ(status_code_for_http(403), StatusCode::kPermissionDenied);
  EXPECT_EQ(status_code_for_http(404), StatusCode::kNotFound);
  EXPECT_EQ(status_code_for_http(408), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(status_code_for_http(409), StatusCode::kAlreadyExists);
  EXPECT_EQ(status_code_for_http(429), StatusCode::kResourceExhausted);
  for (int s : {500, 501, 502, 503, 504, 509, 599}) {
    EXPECT_EQ(status_code_for_http(s), StatusCode::kUnavailable) << s;
  }
  for (int s : {302, 402, 405, 413, 422, 424, 600}) {
    EXPECT_EQ(status_code_for_http(s), StatusCode::kInternal) << s;
  }
  EXPECT_TRUE(is_retryable(status_code_for_http(500)));
  EXPECT_TRUE(is_retryable(status_code_for_http(429)));
  EXPECT_FALSE(is_retryable(status_code_for_http(400)));
  EXPECT_FALSE(is_retryable(status_code_for_http(401)));
}

TEST(StatusMappingTest, MessageFromJsonBodyElseText) {
  const auto now = system_clock().now();
  Status json = status_from_response(
      json_response(403, Json{{"status", 403}, {"message", "Permission denied"}}), "GET /x", now);
  EXPECT_EQ(json.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(json.http_status(), 403);
  EXPECT_NE(json.message().find("GET /x"), std::string::npos);
  EXPECT_NE(json.message().find("Permission denied"), std::string::npos);
  EXPECT_EQ(json.message().find("\"status\""), std::string::npos);

  Status text = status_from_response(text_response(502, "Bad Gateway from nginx"), "GET /y", now);
  EXPECT_EQ(text.code(), StatusCode::kUnavailable);
  EXPECT_NE(text.message().find("Bad Gateway from nginx"), std::string::npos);

  Status no_message =
      status_from_response(json_response(400, Json{{"error", "bad filter"}}), "POST /q", now);
  EXPECT_EQ(no_message.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_message.message().find("bad filter"), std::string::npos);
}

TEST(StatusMappingTest, LongBodiesAreTruncated) {
  Status status = status_from_response(text_response(500, std::string(10000, 'x')), "GET /big",
                                       system_clock().now());
  EXPECT_LT(status.message().size(), kMaxErrorMessageBytes + 100);
}

TEST(RetryAfterTest, SecondsAndHttpDate) {
  FakeClock clock(std::chrono::system_clock::from_time_t(784111777));  // 1994-11-06T08:49:37Z
  EXPECT_EQ(parse_retry_after("3", clock.now()), milliseconds(3000));
  EXPECT_EQ(parse_retry_after(" 0 ", clock.now()), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", clock.now()), milliseconds(10000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", clock.now()), milliseconds(0));
  EXPECT_FALSE(parse_retry_after("soon", clock.now()).has_value());
  EXPECT_FALSE(parse_retry_after("-5", clock.now()).has_value());
  EXPECT_FALSE(parse_retry_after("", clock.now()).has_value());
}

TEST(RetryAfterTest, AttachedToStatus) {
  const auto now = system_clock().now();
  Status limited = status_from_response(
      json_response(429, Json{{"message", "slow down"}}, {{"Retry-After", "2"}}), "GET /x", now);
  EXPECT_EQ(limited.code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(limited.retry_after().has_value());
  EXPECT_EQ(*limited.retry_after(), milliseconds(2000));
  Status plain = status_from_response(json_response(503, Json::object()), "GET /x", now);
  EXPECT_FALSE(plain.retry_after().has_value());
}

TEST(JwtTest, DecodesExpAndEmail) {
  const auto exp = std::chrono::system_clock::from_time_t(1799005284);
  auto claims = decode_jwt_claims(testing::make_jwt("a@b.c", exp));
  ASSERT_TRUE(claims.has_value()) << claims.status().to_string();
  EXPECT_EQ(claims->email, "a@b.c");
  ASSERT_TRUE(claims->expires_at.has_value());
  EXPECT_EQ(*claims->expires_at, exp);
}

TEST(JwtTest, DecodesRecordedToken) {
  // The SDK probe's token from recordings/auth.json.
  auto claims = decode_jwt_claims(
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJlbWFpbCI6InByb2JlLXVzZXJAZXhhbXBsZS5jb20iLCJzdWIiOi"
      "Jwcm9iZS11c2VyIiwiaXNzIjoiaHR0cHM6Ly9wcm9iZS5sb2NhbC8iLCJhdWQiOiJwcm9iZSIsImlhdCI6MTc5NjQx"
      "MzI3NSwiZXhwIjoxNzk2NDE2ODc1fQ.c2ln");
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->email, "probe-user@example.com");
  EXPECT_EQ(*claims->expires_at, std::chrono::system_clock::from_time_t(1796416875));
}

TEST(JwtTest, RejectsNonJwtWithoutEchoingIt) {
  for (const char* bad : {"opaque-api-key-123", "a.b", "x.!!!.y", "eyJ.bm90IGpzb24.c2ln"}) {
    auto claims = decode_jwt_claims(bad);
    ASSERT_FALSE(claims.has_value()) << bad;
    EXPECT_EQ(claims.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(claims.status().message().find(bad), std::string::npos);
  }
}

}  // namespace
}  // namespace dlexport::dataloop
