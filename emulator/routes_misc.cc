// The smaller entities read by id (projects, services, packages, pipelines, recipes, ontologies,
// commands, annotations, webhooks, triggers) and the event objects created by the SDK
// (WIRE.md §7.3, §8).

#include "emulator/routes.h"

namespace dlexport::emulator::internal {
namespace {

void add_get(Router& router, const char* collection, Kind kind) {
  router.add(
      "GET", std::string("/api/v1/") + collection + "/{id}", Auth::kRequired,
      [kind](Call& call) { reply_result(call.res, call.ctx.store->get(kind, call.params[0])); });
}

}  // namespace

void add_misc_routes(Router& router) {
  add_get(router, "projects", Kind::kProject);
  add_get(router, "services", Kind::kService);
  add_get(router, "packages", Kind::kPackage);
  add_get(router, "pipelines", Kind::kPipeline);
  add_get(router, "recipes", Kind::kRecipe);
  add_get(router, "ontologies", Kind::kOntology);
  add_get(router, "commands", Kind::kCommand);
  add_get(router, "annotations", Kind::kAnnotation);
  add_get(router, "webhooks", Kind::kWebhook);
  add_get(router, "triggers", Kind::kTrigger);
  router.add("POST", "/api/v1/webhooks", Auth::kRequired, [](Call& call) {
    std::optional<Json> body = json_body(call);
    if (!body) return;
    reply_result(call.res, call.ctx.store->create_webhook(*body, call.caller));
  });
  router.add("POST", "/api/v1/triggers", Auth::kRequired, [](Call& call) {
    std::optional<Json> body = json_body(call);
    if (!body) return;
    reply_result(call.res, call.ctx.store->create_trigger(*body, call.caller));
  });
}

}  // namespace dlexport::emulator::internal
