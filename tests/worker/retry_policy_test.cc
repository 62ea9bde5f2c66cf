#include "worker/retry_policy.h"

#include <gtest/gtest.h>

#include <vector>

namespace dlexport::worker {
namespace {

using std::chrono::milliseconds;

// Records sleeps and advances the fake clock by them, so total-time budgets are exercised.
class FakeSleeper final : public Sleeper {
 public:
  explicit FakeSleeper(FakeClock& clock) : clock_(clock) {}
  void sleep_for(milliseconds delay) override {
    sleeps.push_back(delay);
    clock_.advance(delay);
  }
  std::vector<milliseconds> sleeps;

 private:
  FakeClock& clock_;
};

struct Harness {
  FakeClock clock;
  FakeSleeper sleeper{clock};
  double unit = 0.999999;
  RetryPolicy make(RetryOptions options) {
    return RetryPolicy(options, clock, sleeper, [this] { return unit; });
  }
};

RetryOptions options(int attempts, int base_ms, int max_ms, int total_ms) {
  RetryOptions o;
  o.max_attempts = attempts;
  o.base_delay = milliseconds(base_ms);
  o.max_delay = milliseconds(max_ms);
  o.max_total_time = milliseconds(total_ms);
  return o;
}

TEST(RetryPolicyTest, CeilingDoublesAndIsCapped) {
  Harness h;
  RetryPolicy policy = h.make(options(10, 100, 1000, 100000));
  EXPECT_EQ(policy.backoff_ceiling(0), milliseconds(100));
  EXPECT_EQ(policy.backoff_ceiling(1), milliseconds(200));
  EXPECT_EQ(policy.backoff_ceiling(2), milliseconds(400));
  EXPECT_EQ(policy.backoff_ceiling(3), milliseconds(800));
  EXPECT_EQ(policy.backoff_ceiling(4), milliseconds(1000));
  EXPECT_EQ(policy.backoff_ceiling(60), milliseconds(1000));  // no overflow
}

TEST(RetryPolicyTest, FullJitterStaysWithinZeroAndCeiling) {
  Harness h;
  RetryPolicy policy = h.make(options(10, 100, 1000, 100000));
  const Status busy = unavailable("busy");
  h.unit = 0.0;
  EXPECT_EQ(policy.delay_for(3, busy), milliseconds(0));
  h.unit = 0.5;
  EXPECT_EQ(policy.delay_for(3, busy), milliseconds(400));
  h.unit = 0.999999;
  EXPECT_LT(policy.delay_for(3, busy), milliseconds(800));
  EXPECT_GE(policy.delay_for(3, busy), milliseconds(799));
  h.unit = 1.0;  // a sloppy source: still strictly below the ceiling
  EXPECT_LT(policy.delay_for(3, busy), milliseconds(800));
}

TEST(RetryPolicyTest, RealRandomSourceRespectsBounds) {
  FakeClock clock;
  FakeSleeper sleeper(clock);
  RetryPolicy policy(options(10, 100, 1000, 100000), clock, sleeper);
  for (int i = 0; i < 1000; ++i) {
    const auto delay = policy.delay_for(i % 6, unavailable("x"));
    EXPECT_GE(delay, milliseconds(0));
    EXPECT_LT(delay, policy.backoff_ceiling(i % 6));
  }
}

TEST(RetryPolicyTest, RetryAfterReplacesJitterAndIsClampedToMaxDelay) {
  Harness h;
  RetryPolicy policy = h.make(options(10, 100, 5000, 100000));
  Status limited(StatusCode::kResourceExhausted, "slow down");
  limited.with_retry_after(milliseconds(3000));
  EXPECT_EQ(policy.delay_for(0, limited), milliseconds(3000));
  limited.with_retry_after(milliseconds(60000));
  EXPECT_EQ(policy.delay_for(0, limited), milliseconds(5000));
}

TEST(RetryPolicyTest, SucceedsAfterTransientFailures) {
  Harness h;
  h.unit = 0.5;
  RetryPolicy policy = h.make(options(5, 100, 1000, 100000));
  int calls = 0;
  RetryStats stats;
  Result<int> result = policy.run(
      [&]() -> Result<int> {
        ++calls;
        if (calls < 3) return unavailable("503");
        return 42;
      },
      &stats);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, 42);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(stats.attempts, 3);
  EXPECT_TRUE(stats.last_error.is_ok());
  ASSERT_EQ(h.sleeper.sleeps.size(), 2u);
  EXPECT_EQ(h.sleeper.sleeps[0], milliseconds(50));
  EXPECT_EQ(h.sleeper.sleeps[1], milliseconds(100));
  EXPECT_EQ(stats.slept, milliseconds(150));
}

TEST(RetryPolicyTest, NonRetryableStopsAtOnce) {
  Harness h;
  RetryPolicy policy = h.make(options(5, 100, 1000, 100000));
  for (StatusCode code :
       {StatusCode::kInvalidArgument, StatusCode::kNotFound, StatusCode::kUnauthenticated,
        StatusCode::kPermissionDenied, StatusCode::kDataLoss, StatusCode::kInternal}) {
    int calls = 0;
    RetryStats stats;
    Status status = policy.run(
        [&] {
          ++calls;
          return Status(code, "no");
        },
        &stats);
    EXPECT_EQ(status.code(), code);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(stats.attempts, 1);
  }
  EXPECT_TRUE(h.sleeper.sleeps.empty());
}

TEST(RetryPolicyTest, StopsAfterMaxAttempts) {
  Harness h;
  RetryPolicy policy = h.make(options(4, 10, 1000, 100000));
  int calls = 0;
  RetryStats stats;
  Status status = policy.run(
      [&] {
        ++calls;
        return Status(StatusCode::kDeadlineExceeded, "slow");
      },
      &stats);
  EXPECT_EQ(status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(stats.attempts, 4);
  EXPECT_EQ(h.sleeper.sleeps.size(), 3u);
  EXPECT_EQ(stats.last_error.code(), StatusCode::kDeadlineExceeded);
}

TEST(RetryPolicyTest, StopsBeforeExceedingTotalTime) {
  Harness h;
  RetryPolicy policy = h.make(options(100, 1000, 1000, 2500));
  int calls = 0;
  RetryStats stats;
  Status limited(StatusCode::kUnavailable, "down");
  limited.with_retry_after(milliseconds(1000));
  Status status = policy.run(
      [&] {
        ++calls;
        return limited;
      },
      &stats);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  // Sleeps at 1 s and 2 s fit in 2.5 s; a third would end at 3 s.
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(h.sleeper.sleeps.size(), 2u);
  EXPECT_EQ(stats.slept, milliseconds(2000));
}

TEST(RetryPolicyTest, HonoursRetryAfterDuringRun) {
  Harness h;
  RetryPolicy policy = h.make(options(3, 10, 10000, 100000));
  int calls = 0;
  Result<std::string> result = policy.run([&]() -> Result<std::string> {
    if (++calls == 1) {
      Status status(StatusCode::kResourceExhausted, "429");
      status.with_retry_after(milliseconds(2000));
      return status;
    }
    return std::string("ok");
  });
  ASSERT_TRUE(result.has_value());
  ASSERT_EQ(h.sleeper.sleeps.size(), 1u);
  EXPECT_EQ(h.sleeper.sleeps[0], milliseconds(2000));
}

TEST(RetryPolicyTest, ListenerSeesEachRetry) {
  Harness h;
  h.unit = 0.0;
  RetryPolicy policy = h.make(options(3, 10, 100, 100000));
  std::vector<int> attempts;
  Status status = policy.run([] { return unavailable("x"); }, nullptr,
                             [&](int attempt, const Status& s, milliseconds) {
                               EXPECT_EQ(s.code(), StatusCode::kUnavailable);
                               attempts.push_back(attempt);
                             });
  EXPECT_FALSE(status.is_ok());
  EXPECT_EQ(attempts, (std::vector<int>{1, 2}));
}

TEST(RetryPolicyTest, MaxAttemptsBelowOneMeansOneAttempt) {
  Harness h;
  RetryPolicy policy = h.make(options(0, 10, 100, 1000));
  int calls = 0;
  Status status = policy.run([&] {
    ++calls;
    return unavailable("x");
  });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(status.is_ok());
}

}  // namespace
}  // namespace dlexport::worker
