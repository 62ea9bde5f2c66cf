#pragma once
// retrying(): runs one platform call under a RetryPolicy and logs each retry at debug level, so
// every call site gets the same "what failed, which attempt, how long we wait" line without
// repeating the listener. The final failure is NOT logged here: it is returned, and the caller
// logs it once where it handles it.

#include <spdlog/spdlog.h>

#include <string_view>
#include <utility>

#include "worker/retry_policy.h"

namespace dlexport::worker {

template <typename F>
auto retrying(const RetryPolicy& policy, std::string_view what, F&& op) {
  return policy.run(std::forward<F>(op), nullptr,
                    [what](int attempt, const Status& status, std::chrono::milliseconds delay) {
                      spdlog::debug("{}: attempt {} failed ({}); retrying in {} ms", what, attempt,
                                    status.to_string(), delay.count());
                    });
}

}  // namespace dlexport::worker
