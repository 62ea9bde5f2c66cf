#include "dataloop/types.h"

namespace dlexport::dataloop {
namespace {

Status require_object_with_id(const Json& json, const char* what) {
  if (!json.is_object()) return internal_error(std::string(what) + ": answer is not a JSON object");
  if (string_field(json, "id").empty()) {
    return internal_error(std::string(what) + ": answer has no string \"id\"");
  }
  return Status::ok();
}

}  // namespace

const Json* member(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return nullptr;
  return &object.at(key);
}

const Json* member_path(const Json& object, std::string_view dotted) {
  const Json* current = &object;
  while (current != nullptr) {
    const auto dot = dotted.find('.');
    const std::string key(dotted.substr(0, dot));
    current = member(*current, key.c_str());
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
  }
  return current;
}

std::string string_field(const Json& object, const char* key) {
  const Json* value = member(object, key);
  if (value == nullptr || !value->is_string()) return {};
  return value->get<std::string>();
}

bool Command::terminal() const {
  return status == "success" || status == "failed" || status == "timeout" || status == "canceled" ||
         status == "aborted";
}

Result<Item> parse_item(const Json& json) { return parse_item(JsonRef::of(json)); }

Result<Item> parse_item(JsonRef json) {
  auto string_of = [&](std::string_view key) {
    const JsonNode* value = json->find(key);
    return value != nullptr && value->is_string() ? std::string(value->string()) : std::string();
  };
  if (!json->is_object()) return internal_error("item: answer is not a JSON object");
  Item item;
  item.id = string_of("id");
  if (item.id.empty()) return internal_error("item: answer has no string \"id\"");
  item.dataset_id = string_of("datasetId");
  item.filename = string_of("filename");
  item.dir = string_of("dir");
  item.name = string_of("name");
  item.updated_at = string_of("updatedAt");
  item.raw = std::move(json);
  return item;
}

Result<Driver> parse_driver(const Json& json) {
  DLX_RETURN_IF_ERROR(require_object_with_id(json, "driver"));
  Driver driver;
  driver.id = string_field(json, "id");
  driver.type = string_field(json, "type");
  driver.name = string_field(json, "name");
  driver.project_id = string_field(json, "projectId");
  if (const Json* allow = member(json, "allowExternalDelete"); allow && allow->is_boolean()) {
    driver.allow_external_delete = allow->get<bool>();
  }
  for (const char* key : {"bucketName", "bucket", "containerName"}) {
    driver.bucket = string_field(json, key);
    if (!driver.bucket.empty()) break;
  }
  driver.path = string_field(json, "path");
  driver.raw = json;
  return driver;
}

Result<Dataset> parse_dataset(const Json& json) {
  DLX_RETURN_IF_ERROR(require_object_with_id(json, "dataset"));
  Dataset dataset;
  dataset.id = string_field(json, "id");
  dataset.name = string_field(json, "name");
  dataset.driver_id = string_field(json, "driver");
  if (dataset.driver_id.empty()) dataset.driver_id = string_field(json, "driverId");
  dataset.created_at = string_field(json, "createdAt");
  if (const Json* projects = member(json, "projects"); projects && projects->is_array()) {
    for (const auto& project : *projects) {
      if (project.is_string()) dataset.project_ids.push_back(project.get<std::string>());
    }
  }
  if (const Json* sys = member_path(json, "metadata.system"); sys != nullptr) {
    dataset.system_scope = string_field(*sys, "scope") == "system";
    const Json* marker = member(*sys, "exportSolution");
    dataset.export_solution = marker != nullptr && marker->is_boolean() && marker->get<bool>();
  }
  dataset.raw = json;
  return dataset;
}

Result<Command> parse_command(const Json& json) {
  DLX_RETURN_IF_ERROR(require_object_with_id(json, "command"));
  Command command;
  command.id = string_field(json, "id");
  command.type = string_field(json, "type");
  command.status = string_field(json, "status");
  if (const Json* progress = member(json, "progress"); progress && progress->is_number()) {
    command.progress = progress->get<double>();
  }
  command.raw = json;
  return command;
}

}  // namespace dlexport::dataloop
