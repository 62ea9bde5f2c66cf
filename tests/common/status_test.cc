#include "common/status.h"

#include <gtest/gtest.h>

#include "common/result.h"

namespace dlexport {
namespace {

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.to_string(), "OK");
}

TEST(StatusTest, RetryableCodes) {
  EXPECT_TRUE(is_retryable(StatusCode::kUnavailable));
  EXPECT_TRUE(is_retryable(StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(is_retryable(StatusCode::kResourceExhausted));
  EXPECT_FALSE(is_retryable(StatusCode::kNotFound));
  EXPECT_FALSE(is_retryable(StatusCode::kInvalidArgument));
  EXPECT_FALSE(is_retryable(StatusCode::kInternal));
}

TEST(StatusTest, AnnotateKeepsCodeAndHints) {
  Status s = unavailable("503 from gate");
  s.with_http_status(503).with_retry_after(std::chrono::milliseconds(2000));
  Status a = s.annotate("GET /items/1");
  EXPECT_EQ(a.code(), StatusCode::kUnavailable);
  EXPECT_EQ(a.message(), "GET /items/1: 503 from gate");
  EXPECT_EQ(a.http_status(), 503);
  ASSERT_TRUE(a.retry_after().has_value());
  EXPECT_EQ(a.retry_after()->count(), 2000);
  EXPECT_EQ(a.to_string(), "UNAVAILABLE: GET /items/1: 503 from gate");
}

Result<int> parse_positive(int v) {
  if (v <= 0) return invalid_argument("not positive");
  return v;
}

Result<int> doubled(int v) {
  DLX_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

TEST(ResultTest, ValueAndErrorPropagation) {
  auto ok = doubled(4);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 8);
  auto bad = doubled(-1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.value_or(7), 7);
}

}  // namespace
}  // namespace dlexport
