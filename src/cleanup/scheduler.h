#pragma once
// CleanupScheduler: runs a job (a full staging cleanup) at the minutes a CronSchedule names, on
// its own thread, until stopped.
//
// Time is injected: the Clock says what time it is and a Waiter blocks until a deadline or until
// stop(). Production uses the system clock and a condition-variable waiter; tests use FakeClock
// and a waiter that jumps the clock to the deadline, so a weekly schedule is tested in
// microseconds without sleeping. The job runs on the scheduler thread; a failing job is logged
// by the job itself and the next occurrence still runs. Thread-safe start()/stop().

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "cleanup/cron.h"
#include "common/clock.h"

namespace dlexport::cleanup {

// Blocks until `deadline` (as told by the waiter's clock) or until stop(); false when stopped.
class Waiter {
 public:
  virtual ~Waiter() = default;
  virtual bool wait_until(Clock::TimePoint deadline) = 0;
  virtual void stop() = 0;
};

// Waits on a condition variable, polling `clock` at most every second so a clock that is not the
// system clock still works.
std::unique_ptr<Waiter> make_real_waiter(Clock& clock);

class CleanupScheduler {
 public:
  // `clock` and `waiter` must outlive the scheduler.
  CleanupScheduler(CronSchedule schedule, Clock& clock, Waiter& waiter, std::function<void()> job);
  ~CleanupScheduler();  // stops and joins
  CleanupScheduler(const CleanupScheduler&) = delete;
  CleanupScheduler& operator=(const CleanupScheduler&) = delete;

  void start();
  void stop();
  // The loop itself (what start() runs on the thread); returns once the waiter is stopped or the
  // schedule has no further occurrence. Public so tests can run it inline.
  void run();
  int runs() const { return runs_.load(); }

 private:
  CronSchedule schedule_;
  Clock& clock_;
  Waiter& waiter_;
  std::function<void()> job_;
  std::thread thread_;
  std::atomic<int> runs_{0};
};

}  // namespace dlexport::cleanup
