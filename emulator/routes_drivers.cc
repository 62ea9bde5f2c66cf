// Storage drivers (WIRE.md §2): GET /drivers/{id}, GET /drivers?projectId= (plain array).

#include "emulator/routes.h"

namespace dlexport::emulator::internal {

void add_driver_routes(Router& router) {
  router.add("GET", "/api/v1/drivers/{id}", Auth::kRequired, [](Call& call) {
    reply_result(call.res, call.ctx.store->get(Kind::kDriver, call.params[0]));
  });
  router.add("GET", "/api/v1/drivers", Auth::kRequired, [](Call& call) {
    reply_json(call.res, 200, call.ctx.store->list_drivers(call.req.get_param_value("projectId")));
  });
}

}  // namespace dlexport::emulator::internal
