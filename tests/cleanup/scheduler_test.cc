#include "cleanup/scheduler.h"

#include <gtest/gtest.h>

#include <vector>

namespace dlexport::cleanup {
namespace {

// Jumps the fake clock to each deadline instead of sleeping; stops after `limit` waits.
class JumpingWaiter final : public Waiter {
 public:
  JumpingWaiter(FakeClock& clock, int limit) : clock_(clock), limit_(limit) {}
  bool wait_until(Clock::TimePoint deadline) override {
    if (stopped_ || waits_ == limit_) return false;
    ++waits_;
    deadlines_.push_back(deadline);
    clock_.set(deadline);
    return true;
  }
  void stop() override { stopped_ = true; }
  std::vector<Clock::TimePoint> deadlines_;

 private:
  FakeClock& clock_;
  int limit_;
  int waits_ = 0;
  bool stopped_ = false;
};

TEST(SchedulerTest, RunsAtEachCronOccurrenceWithoutSleeping) {
  FakeClock clock;  // 2025-01-01T00:00:00Z, a Wednesday
  JumpingWaiter waiter(clock, 3);
  auto weekly = CronSchedule::parse("0 3 * * 0");
  ASSERT_TRUE(weekly);
  std::vector<Clock::TimePoint> ran_at;
  CleanupScheduler scheduler(*weekly, clock, waiter, [&] { ran_at.push_back(clock.now()); });
  scheduler.run();
  ASSERT_EQ(ran_at.size(), 3u);
  EXPECT_EQ(scheduler.runs(), 3);
  // Sundays 2025-01-05, 01-12, 01-19 at 03:00 UTC.
  const auto first = Clock::TimePoint(std::chrono::seconds(1736046000));
  EXPECT_EQ(ran_at[0], first);
  EXPECT_EQ(ran_at[1], first + std::chrono::hours(24 * 7));
  EXPECT_EQ(ran_at[2], first + std::chrono::hours(24 * 14));
}

TEST(SchedulerTest, StopEndsTheThreadPromptly) {
  FakeClock clock;
  auto waiter = make_real_waiter(clock);  // the fake clock never reaches the deadline
  auto yearly = CronSchedule::parse("0 0 1 1 *");
  ASSERT_TRUE(yearly);
  int runs = 0;
  CleanupScheduler scheduler(*yearly, clock, *waiter, [&] { ++runs; });
  scheduler.start();
  scheduler.stop();
  EXPECT_EQ(runs, 0);
}

TEST(SchedulerTest, RealWaiterReturnsOnceTheClockPassesTheDeadline) {
  FakeClock clock;
  auto waiter = make_real_waiter(clock);
  EXPECT_TRUE(waiter->wait_until(clock.now()));
  EXPECT_TRUE(waiter->wait_until(clock.now() - std::chrono::seconds(5)));
  waiter->stop();
  EXPECT_FALSE(waiter->wait_until(clock.now() + std::chrono::hours(1)));
}

}  // namespace
}  // namespace dlexport::cleanup
