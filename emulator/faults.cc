#include "emulator/faults.h"

namespace dlexport::emulator {

Result<FaultPlan> FaultPlan::parse(const Json& body) {
  if (!body.is_object()) return invalid_argument("fault plan must be a JSON object");
  FaultPlan plan;
  try {
    if (body.contains("latency_ms") && !body["latency_ms"].is_null()) {
      const int latency = body["latency_ms"].get<int>();
      if (latency < 0) return invalid_argument("latency_ms must be >= 0");
      plan.latency_ms = latency;
    }
    plan.seed = body.value("seed", std::uint64_t{0});
    if (body.contains("rules")) {
      if (!body["rules"].is_array()) return invalid_argument("rules must be an array");
      for (const Json& r : body["rules"]) {
        if (!r.is_object()) return invalid_argument("each rule must be an object");
        FaultRule rule;
        rule.route = r.value("route", std::string("*"));
        rule.reset = r.value("reset", false);
        rule.status = r.value("status", rule.reset ? 0 : 503);
        rule.rate = r.value("rate", 1.0);
        if (r.contains("retry_after") && !r["retry_after"].is_null()) {
          rule.retry_after = r["retry_after"].get<int>();
        }
        if (r.contains("count") && !r["count"].is_null())
          rule.count = r["count"].get<std::int64_t>();
        if (rule.rate < 0.0 || rule.rate > 1.0) return invalid_argument("rate must be in [0, 1]");
        if (!rule.reset && (rule.status < 100 || rule.status > 599)) {
          return invalid_argument("status must be an HTTP status (100-599)");
        }
        plan.rules.push_back(std::move(rule));
      }
    }
  } catch (const Json::exception& e) {
    return invalid_argument(std::string("bad fault plan: ") + e.what());
  }
  return plan;
}

Json FaultPlan::to_json() const {
  Json rules_json = Json::array();
  for (const FaultRule& rule : rules) {
    Json r = {{"route", rule.route}, {"rate", rule.rate}};
    if (rule.reset) {
      r["reset"] = true;
    } else {
      r["status"] = rule.status;
    }
    if (rule.retry_after) r["retry_after"] = *rule.retry_after;
    if (rule.count) r["count"] = *rule.count;
    r["fired"] = rule.fired;
    rules_json.push_back(std::move(r));
  }
  Json out = Json::object();
  out["latency_ms"] = latency_ms ? Json(*latency_ms) : Json(nullptr);
  out["seed"] = seed;
  out["rules"] = std::move(rules_json);
  return out;
}

void FaultInjector::set_plan(FaultPlan plan) {
  std::lock_guard lock(mu_);
  plan_ = std::move(plan);
  rng_.seed(plan_.seed);
  active_ = true;
}

void FaultInjector::clear() {
  std::lock_guard lock(mu_);
  plan_ = FaultPlan{};
  active_ = false;
}

Json FaultInjector::plan_json() const {
  std::lock_guard lock(mu_);
  if (!active_) return Json{{"latency_ms", nullptr}, {"seed", 0}, {"rules", Json::array()}};
  return plan_.to_json();
}

std::optional<int> FaultInjector::latency_ms() const {
  std::lock_guard lock(mu_);
  return active_ ? plan_.latency_ms : std::nullopt;
}

std::optional<Fault> FaultInjector::decide(const std::string& route) {
  std::lock_guard lock(mu_);
  if (!active_) return std::nullopt;
  for (FaultRule& rule : plan_.rules) {
    if (rule.route != "*" && rule.route != route) continue;
    if (rule.count && rule.fired >= *rule.count) continue;
    // 53 random bits → a uniform double in [0, 1), the same on every platform (unlike
    // std::uniform_real_distribution, whose algorithm is implementation-defined).
    const double draw = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    if (draw >= rule.rate) continue;
    ++rule.fired;
    return Fault{rule.status, rule.retry_after, rule.reset};
  }
  return std::nullopt;
}

}  // namespace dlexport::emulator
