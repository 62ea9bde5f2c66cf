#pragma once
// RetryPolicy: how workers retry an operation that failed with a retryable Status.
//
// Capped exponential backoff with full jitter: before retry n (n = 0 for the first retry) the
// policy sleeps uniform[0, min(max_delay, base_delay * 2^n)). A server's Retry-After hint
// replaces the jittered delay; it is honoured up to max_delay (a longer hint is clamped, so one
// misbehaving answer cannot park a worker for minutes). The policy stops when the operation
// succeeds, fails with a non-retryable code, max_attempts have been made, or the next sleep would
// end past max_total_time since the first attempt (then the last error is returned at once instead
// of sleeping in vain).
//
// Clock, sleeper and random source are injected so tests run without sleeping. A RetryPolicy is
// immutable after construction and thread-safe if its sleeper and random source are (the defaults
// are); share one across workers.

#include <chrono>
#include <functional>
#include <type_traits>
#include <utility>

#include "common/clock.h"
#include "common/result.h"
#include "common/status.h"

namespace dlexport::worker {

struct RetryOptions {
  int max_attempts = 6;  // total attempts including the first
  std::chrono::milliseconds base_delay{250};
  std::chrono::milliseconds max_delay{std::chrono::seconds(30)};
  std::chrono::milliseconds max_total_time{std::chrono::minutes(5)};
};

// Blocks the calling thread; tests substitute a recorder.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleep_for(std::chrono::milliseconds delay) = 0;
};
Sleeper& real_sleeper();

// Uniform random in [0, 1). Must be thread-safe.
using UnitRandom = std::function<double()>;
UnitRandom default_unit_random();

struct RetryStats {
  int attempts = 0;
  std::chrono::milliseconds slept{0};
  Status last_error;  // ok when the last attempt succeeded
};

// Called before each sleep: attempt number just failed (1-based), its status, the chosen delay.
using RetryListener =
    std::function<void(int attempt, const Status& status, std::chrono::milliseconds delay)>;

namespace internal {
inline const Status& status_of(const Status& status) { return status; }
template <typename T>
Status status_of(const Result<T>& result) {
  return result.status();
}
}  // namespace internal

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryOptions options = {}, Clock& clock = system_clock(),
                       Sleeper& sleeper = real_sleeper(),
                       UnitRandom random = default_unit_random());

  const RetryOptions& options() const { return options_; }

  // The ceiling of the jittered delay before retry `retry_index` (0-based).
  std::chrono::milliseconds backoff_ceiling(int retry_index) const;
  // The delay before retry `retry_index` after `status`: Retry-After (clamped) or full jitter.
  std::chrono::milliseconds delay_for(int retry_index, const Status& status) const;

  // Calls op() (returning Status or Result<T>) until it succeeds or the policy gives up; returns
  // the last outcome. `stats` (optional) receives attempts and total sleep.
  template <typename F>
  auto run(F&& op, RetryStats* stats = nullptr, const RetryListener& listener = {}) const
      -> std::invoke_result_t<F&> {
    const Clock::TimePoint started = clock_.now();
    RetryStats local;
    for (int attempt = 1;; ++attempt) {
      auto outcome = op();
      const Status status = internal::status_of(outcome);
      local.attempts = attempt;
      local.last_error = status;
      if (status.is_ok() || !status.retryable() || attempt >= options_.max_attempts) {
        if (stats != nullptr) *stats = local;
        return outcome;
      }
      const std::chrono::milliseconds delay = delay_for(attempt - 1, status);
      if (clock_.now() + delay - started > options_.max_total_time) {
        if (stats != nullptr) *stats = local;
        return outcome;
      }
      if (listener) listener(attempt, status, delay);
      sleeper_.sleep_for(delay);
      local.slept += delay;
    }
  }

 private:
  RetryOptions options_;
  Clock& clock_;
  Sleeper& sleeper_;
  UnitRandom random_;
};

}  // namespace dlexport::worker
