#pragma once
// Clock: the wall-clock time source, injected wherever time decides behaviour (token expiry,
// retry budgets) so tests can move time without sleeping.
//
// Implementations: SystemClock (real time, via system_clock()) and FakeClock (tests). Both are
// thread-safe; a Clock is shared by reference and must outlive its users.

#include <atomic>
#include <chrono>

namespace dlexport {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// The process-wide real clock.
Clock& system_clock();

// A manually advanced clock for tests. Starts at the given time (default: 2025-01-01T00:00:00Z).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::seconds(1735689600)))
      : now_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch())
                    .count()) {}

  TimePoint now() const override {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
        std::chrono::nanoseconds(now_ns_.load(std::memory_order_relaxed))));
  }
  void advance(std::chrono::nanoseconds delta) {
    now_ns_.fetch_add(delta.count(), std::memory_order_relaxed);
  }
  void set(TimePoint t) {
    now_ns_.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(),
        std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> now_ns_;
};

}  // namespace dlexport
