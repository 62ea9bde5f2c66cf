#include "worker/retry_policy.h"

#include <algorithm>
#include <random>
#include <thread>

namespace dlexport::worker {
namespace {

class RealSleeper final : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds delay) override { std::this_thread::sleep_for(delay); }
};

}  // namespace

Sleeper& real_sleeper() {
  static RealSleeper sleeper;
  return sleeper;
}

UnitRandom default_unit_random() {
  return [] {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  };
}

RetryPolicy::RetryPolicy(RetryOptions options, Clock& clock, Sleeper& sleeper, UnitRandom random)
    : options_(options), clock_(clock), sleeper_(sleeper), random_(std::move(random)) {
  options_.max_attempts = std::max(1, options_.max_attempts);
  options_.base_delay = std::max(std::chrono::milliseconds(0), options_.base_delay);
  options_.max_delay = std::max(options_.base_delay, options_.max_delay);
}

std::chrono::milliseconds RetryPolicy::backoff_ceiling(int retry_index) const {
  // Doubling stops once past the cap, so large indexes cannot overflow.
  std::chrono::milliseconds ceiling = options_.base_delay;
  for (int i = 0; i < retry_index && ceiling < options_.max_delay; ++i) ceiling *= 2;
  return std::min(ceiling, options_.max_delay);
}

std::chrono::milliseconds RetryPolicy::delay_for(int retry_index, const Status& status) const {
  if (status.retry_after().has_value()) {
    return std::clamp(*status.retry_after(), std::chrono::milliseconds(0), options_.max_delay);
  }
  const double unit = std::clamp(random_ ? random_() : 0.5, 0.0, 1.0);
  const auto ceiling = static_cast<double>(backoff_ceiling(retry_index).count());
  auto delay = static_cast<std::chrono::milliseconds::rep>(unit * ceiling);
  // Full jitter is [0, ceiling): a unit of exactly 1.0 from a sloppy source stays below it.
  if (delay >= backoff_ceiling(retry_index).count() && delay > 0) --delay;
  return std::chrono::milliseconds(delay);
}

}  // namespace dlexport::worker
