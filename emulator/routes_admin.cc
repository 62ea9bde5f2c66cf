// The /__admin/ API (no auth, loopback only unless --allow-remote): fixtures, generated data,
// request stats and the fault plan. Admin calls are neither counted nor subject to faults.

#include "emulator/routes.h"

namespace dlexport::emulator::internal {

void add_admin_routes(Router& router) {
  router.add("POST", "/__admin/fixture", Auth::kNone, [](Call& call) {
    std::optional<Json> body = json_body(call);
    if (!body) return;
    reply_result(call.res, call.ctx.store->load_fixture(*body));
  });
  router.add("POST", "/__admin/generate", Auth::kNone, [](Call& call) {
    std::optional<Json> body = json_body(call);
    if (!body) return;
    reply_result(call.res, call.ctx.store->generate(*body));
  });
  router.add("GET", "/__admin/counts", Auth::kNone,
             [](Call& call) { reply_json(call.res, 200, call.ctx.store->counts()); });
  router.add("GET", "/__admin/stats", Auth::kNone,
             [](Call& call) { reply_json(call.res, 200, call.ctx.stats.to_json()); });
  router.add("POST", "/__admin/stats/reset", Auth::kNone, [](Call& call) {
    call.ctx.stats.reset();
    reply_json(call.res, 200, call.ctx.stats.to_json());
  });
  router.add("GET", "/__admin/faults", Auth::kNone,
             [](Call& call) { reply_json(call.res, 200, call.ctx.faults.plan_json()); });
  router.add("PUT", "/__admin/faults", Auth::kNone, [](Call& call) {
    std::optional<Json> body = json_body(call);
    if (!body) return;
    Result<FaultPlan> plan = FaultPlan::parse(*body);
    if (!plan.has_value()) {
      reply_status(call.res, plan.error());
      return;
    }
    call.ctx.faults.set_plan(std::move(*plan));
    reply_json(call.res, 200, call.ctx.faults.plan_json());
  });
  router.add("DELETE", "/__admin/faults", Auth::kNone, [](Call& call) {
    call.ctx.faults.clear();
    reply_json(call.res, 200, call.ctx.faults.plan_json());
  });
}

}  // namespace dlexport::emulator::internal
