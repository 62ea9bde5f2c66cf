// Datasets (WIRE.md §3): create, query, get, patch (?system=true), delete.

#include "emulator/routes.h"

namespace dlexport::emulator::internal {
namespace {

void reply_page(httplib::Response& res, Result<QueryPage> page) {
  if (page.has_value()) {
    reply_json(res, 200, std::move(*page).to_json());
  } else {
    reply_status(res, page.error());
  }
}

}  // namespace

void add_dataset_routes(Router& router) {
  router.add("POST", "/api/v1/datasets", Auth::kRequired, [](Call& call) {
    std::optional<Json> body = json_body(call);
    if (!body) return;
    reply_result(call.res, call.ctx.store->create_dataset(*body, call.caller));
  });
  router.add("POST", "/api/v1/datasets/query", Auth::kRequired, [](Call& call) {
    std::optional<Json> body = json_body(call);
    if (!body) return;
    reply_page(call.res, call.ctx.store->query_datasets(*body));
  });
  router.add("GET", "/api/v1/datasets/{id}", Auth::kRequired, [](Call& call) {
    reply_result(call.res, call.ctx.store->get(Kind::kDataset, call.params[0]));
  });
  router.add("PATCH", "/api/v1/datasets/{id}", Auth::kRequired, [](Call& call) {
    std::optional<Json> body = json_body(call);
    if (!body) return;
    const bool system = call.req.get_param_value("system") == "true";
    reply_result(call.res,
                 call.ctx.store->patch_dataset(call.params[0], *body, system, call.caller));
  });
  router.add("DELETE", "/api/v1/datasets/{id}", Auth::kRequired, [](Call& call) {
    Status status = call.ctx.store->delete_dataset(call.params[0]);
    if (!status.is_ok()) {
      reply_status(call.res, status);
      return;
    }
    // The recorded platform answer is 200 with an empty body.
    call.res.status = 200;
    call.res.set_content("", kJsonContentType);
  });
  router.add("POST", "/api/v1/datasets/{id}/query", Auth::kRequired, [](Call& call) {
    std::optional<Json> body = json_body(call);
    if (!body) return;
    const Json& del = field(*body, "delete");
    if (del.is_boolean() && del.get<bool>()) {
      Result<std::int64_t> deleted = call.ctx.store->delete_by_query(call.params[0], *body);
      if (!deleted.has_value()) {
        reply_status(call.res, deleted.error());
        return;
      }
      reply_json(call.res, 200, Json{{"deleted", *deleted}});
      return;
    }
    reply_page(call.res, call.ctx.store->query(call.params[0], *body));
  });
}

}  // namespace dlexport::emulator::internal
