// Items (WIRE.md §4, §6, §7): GET|DELETE /items/{id} and the multipart upload
// POST /datasets/{id}/items?mode=skip|overwrite.

#include <map>

#include "emulator/multipart.h"
#include "emulator/routes.h"

namespace dlexport::emulator::internal {
namespace {

using Form = std::map<std::string, FormPart>;

const FormPart* form_field(const Form& form, const char* name) {
  auto it = form.find(name);
  return it == form.end() ? nullptr : &it->second;
}

void upload(Call& call) {
  const httplib::Request& req = call.req;
  const std::string content_type = req.get_header_value(kMultipartTypeHeader);
  if (content_type.empty()) {
    reply_error(call.res, 400, "upload must be multipart/form-data");
    return;
  }
  Result<Form> parsed = parse_multipart(req.body, multipart_boundary(content_type));
  if (!parsed.has_value()) {
    reply_status(call.res, parsed.error());
    return;
  }
  const Form& form = *parsed;
  UploadRequest upload;
  upload.dataset_id = call.params[0];
  upload.creator = call.caller;
  const std::string mode = req.has_param("mode") ? req.get_param_value("mode") : "skip";
  if (mode == "skip") {
    upload.mode = UploadMode::kSkip;
  } else if (mode == "overwrite") {
    upload.mode = UploadMode::kOverwrite;
  } else {
    reply_error(call.res, 400, "mode must be skip or overwrite");
    return;
  }
  const auto* type = form_field(form, "type");
  if (type != nullptr && type->content != "file") {
    reply_error(call.res, 400, "only type=file uploads are supported");
    return;
  }
  const auto* path = form_field(form, "path");
  const auto* file = form_field(form, "file");
  if (file == nullptr) {
    reply_error(call.res, 400, "missing form field 'file'");
    return;
  }
  // The item path comes from `path`: the part's filename is percent-encoded by the SDK.
  if (path != nullptr && !path->content.empty()) {
    upload.path = path->content;
  } else if (!file->filename.empty()) {
    upload.path = "/" + file->filename;
  } else {
    reply_error(call.res, 400, "missing form field 'path'");
    return;
  }
  if (const auto* metadata = form_field(form, "metadata")) {
    try {
      upload.user_metadata = Json::parse(metadata->content);
    } catch (const Json::exception&) {
      reply_error(call.res, 400, "form field 'metadata' is not valid JSON");
      return;
    }
  }
  if (const auto* description = form_field(form, "description")) {
    upload.description = description->content;
  }
  upload.content = file->content;
  upload.mimetype = file->content_type.empty() ? "application/octet-stream" : file->content_type;

  Result<UploadResult> result = call.ctx.store->upload(upload);
  if (!result.has_value()) {
    reply_status(call.res, result.error());
    return;
  }
  call.res.set_header("x-item-op", result->op);
  reply_json(call.res, 200, result->item);
}

}  // namespace

void add_item_routes(Router& router) {
  router.add("GET", "/api/v1/items/{id}", Auth::kRequired, [](Call& call) {
    reply_result(call.res, call.ctx.store->get(Kind::kItem, call.params[0]));
  });
  router.add("DELETE", "/api/v1/items/{id}", Auth::kRequired, [](Call& call) {
    Status status = call.ctx.store->delete_item(call.params[0]);
    if (!status.is_ok()) {
      reply_status(call.res, status);
      return;
    }
    call.res.status = 200;  // recorded: 200 with an empty body
    call.res.set_content("", kJsonContentType);
  });
  router.add("GET", "/api/v1/items/{id}/stream", Auth::kRequired, [](Call& call) {
    Result<Json> item = call.ctx.store->get(Kind::kItem, call.params[0]);
    Result<std::string> content = call.ctx.store->item_content(call.params[0]);
    if (!item.has_value() || !content.has_value()) {
      reply_status(call.res, item.has_value() ? content.error() : item.error());
      return;
    }
    std::string mimetype = "application/octet-stream";
    const Json& system = field(field(*item, "metadata"), "system");
    if (field(system, "mimetype").is_string()) mimetype = system["mimetype"].get<std::string>();
    call.res.status = 200;
    call.res.set_content(*content, mimetype);
  });
  router.add("POST", "/api/v1/datasets/{id}/items", Auth::kRequired, upload);
}

}  // namespace dlexport::emulator::internal
