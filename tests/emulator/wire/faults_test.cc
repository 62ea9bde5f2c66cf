#include "emulator/faults.h"

#include <gtest/gtest.h>

#include "emulator/stats.h"

namespace dlexport::emulator {
namespace {

FaultPlan plan_from(const char* text) {
  auto plan = FaultPlan::parse(Json::parse(text));
  EXPECT_TRUE(plan.has_value()) << plan.error().message();
  return plan.has_value() ? *plan : FaultPlan{};
}

std::string run(FaultInjector& f, int n) {
  std::string trace;
  for (int i = 0; i < n; ++i) {
    auto fault = f.decide(i % 2 ? "POST /datasets/{id}/items" : "GET /items/{id}");
    trace += !fault ? '.' : fault->reset ? 'R' : fault->status == 503 ? '5' : '4';
  }
  return trace;
}

TEST(FaultPlan, ParsesTheDocumentedFormat) {
  FaultPlan plan = plan_from(R"({"latency_ms": 20, "seed": 7, "rules": [
    {"route": "POST /datasets/{id}/items", "status": 503, "rate": 0.1, "retry_after": 1},
    {"route": "*", "reset": true, "rate": 0.01},
    {"route": "POST /datasets/{id}/query", "status": 429, "rate": 0.05, "count": 2}]})");
  EXPECT_EQ(plan.latency_ms, 20);
  ASSERT_EQ(plan.rules.size(), 3u);
  EXPECT_EQ(plan.rules[0].retry_after, 1);
  EXPECT_TRUE(plan.rules[1].reset);
  EXPECT_EQ(plan.rules[2].count, 2);
  EXPECT_FALSE(FaultPlan::parse(Json::parse(R"({"rules": [{"rate": 2}]})")).has_value());
  EXPECT_FALSE(FaultPlan::parse(Json::parse(R"({"rules": [{"status": 42}]})")).has_value());
  EXPECT_FALSE(FaultPlan::parse(Json::parse(R"([1])")).has_value());
}

TEST(FaultInjector, SameSeedSameDecisions) {
  const char* text = R"({"seed": 7, "rules": [
    {"route": "POST /datasets/{id}/items", "status": 503, "rate": 0.3},
    {"route": "*", "status": 429, "rate": 0.2}]})";
  FaultInjector a;
  FaultInjector b;
  a.set_plan(plan_from(text));
  b.set_plan(plan_from(text));
  const std::string trace = run(a, 400);
  EXPECT_EQ(trace, run(b, 400));
  EXPECT_NE(trace.find('5'), std::string::npos);
  EXPECT_NE(trace.find('4'), std::string::npos);
  EXPECT_NE(trace.find('.'), std::string::npos);
  // Setting the plan again restarts the sequence.
  a.set_plan(plan_from(text));
  EXPECT_EQ(trace, run(a, 400));
  FaultInjector c;
  c.set_plan(plan_from(R"({"seed": 8, "rules": [
    {"route": "POST /datasets/{id}/items", "status": 503, "rate": 0.3},
    {"route": "*", "status": 429, "rate": 0.2}]})"));
  EXPECT_NE(trace, run(c, 400));
}

TEST(FaultInjector, CountLimitsFiringAndClearStops) {
  FaultInjector f;
  f.set_plan(plan_from(R"({"rules": [{"route": "GET /items/{id}", "status": 500, "count": 2}]})"));
  EXPECT_TRUE(f.decide("GET /items/{id}"));
  EXPECT_FALSE(f.decide("GET /drivers/{id}"));
  EXPECT_TRUE(f.decide("GET /items/{id}"));
  EXPECT_FALSE(f.decide("GET /items/{id}"));
  EXPECT_EQ(f.plan_json()["rules"][0]["fired"], 2);
  f.clear();
  EXPECT_FALSE(f.latency_ms().has_value());
  EXPECT_EQ(f.plan_json()["rules"].size(), 0u);
}

TEST(RequestStats, CountsPerRouteAndResets) {
  RequestStats stats;
  stats.record("GET /items/{id}");
  stats.record("GET /items/{id}");
  stats.record("POST /token");
  EXPECT_EQ(stats.to_json(),
            Json::parse(R"({"total": 3, "requests": {"GET /items/{id}": 2, "POST /token": 1}})"));
  stats.reset();
  EXPECT_EQ(stats.to_json()["total"], 0);
}

}  // namespace
}  // namespace dlexport::emulator
