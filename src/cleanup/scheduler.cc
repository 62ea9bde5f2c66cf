#include "cleanup/scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace dlexport::cleanup {
namespace {

class RealWaiter final : public Waiter {
 public:
  explicit RealWaiter(Clock& clock) : clock_(clock) {}

  bool wait_until(Clock::TimePoint deadline) override {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopped_) {
      const auto now = clock_.now();
      if (now >= deadline) return true;
      const auto step = std::min<Clock::TimePoint::duration>(
          deadline - now,
          std::chrono::duration_cast<Clock::TimePoint::duration>(std::chrono::seconds(1)));
      cv_.wait_for(lock, step);
    }
    return false;
  }

  void stop() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }

 private:
  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;  // guarded by mu_
};

}  // namespace

std::unique_ptr<Waiter> make_real_waiter(Clock& clock) {
  return std::make_unique<RealWaiter>(clock);
}

CleanupScheduler::CleanupScheduler(CronSchedule schedule, Clock& clock, Waiter& waiter,
                                   std::function<void()> job)
    : schedule_(std::move(schedule)), clock_(clock), waiter_(waiter), job_(std::move(job)) {}

CleanupScheduler::~CleanupScheduler() { stop(); }

void CleanupScheduler::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void CleanupScheduler::stop() {
  waiter_.stop();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void CleanupScheduler::run() {
  for (;;) {
    const auto now = std::chrono::floor<std::chrono::seconds>(clock_.now());
    const auto next = schedule_.next_after(CronSchedule::TimePoint(now.time_since_epoch()));
    if (!next) {
      spdlog::warn("cleanup schedule '{}' has no further occurrence; scheduler stops",
                   schedule_.expression());
      return;
    }
    if (!waiter_.wait_until(Clock::TimePoint(next->time_since_epoch()))) return;
    spdlog::info("scheduled cleanup ('{}') starts", schedule_.expression());
    job_();
    runs_.fetch_add(1);
  }
}

}  // namespace dlexport::cleanup
