#pragma once
// FaultInjector: the emulator's fault plan (PUT /__admin/faults) and the per-request decision
// whether to answer a call with an injected error instead of serving it.
//
// Plan format (README "Fault injection"):
//   {"latency_ms": 20, "seed": 7, "rules": [
//      {"route": "POST /datasets/{id}/items", "status": 503, "rate": 0.1, "retry_after": 1},
//      {"route": "*", "reset": true, "rate": 0.01, "count": 3}]}
// `route` is a route template as GET /__admin/stats reports it, or "*" for every API call.
// A rule fires with probability `rate` (default 1.0), at most `count` times when given; the
// first rule that fires wins. `reset: true` drops the connection without an answer.
//
// Contract: thread-safe (one mutex). Decisions are deterministic for a given seed and request
// order: one draw of a seeded PRNG per matching rule, taken under the mutex in request order.

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace dlexport::emulator {

struct FaultRule {
  std::string route = "*";
  int status = 503;
  double rate = 1.0;
  std::optional<int> retry_after;  // seconds, sent as Retry-After
  bool reset = false;
  std::optional<std::int64_t> count;  // fire at most this many times
  std::int64_t fired = 0;
};

struct FaultPlan {
  std::optional<int> latency_ms;  // overrides the server's base latency while the plan is set
  std::uint64_t seed = 0;
  std::vector<FaultRule> rules;

  static Result<FaultPlan> parse(const Json& body);
  Json to_json() const;
};

// What to do instead of serving a request.
struct Fault {
  int status = 0;  // 0 when `reset`
  std::optional<int> retry_after;
  bool reset = false;
};

class FaultInjector {
 public:
  void set_plan(FaultPlan plan);
  void clear();
  Json plan_json() const;
  // The plan's latency when set.
  std::optional<int> latency_ms() const;
  // Called once per API request with its route template.
  std::optional<Fault> decide(const std::string& route);

 private:
  mutable std::mutex mu_;
  FaultPlan plan_;
  bool active_ = false;
  std::mt19937_64 rng_;
};

}  // namespace dlexport::emulator
