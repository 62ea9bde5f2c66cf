#include "emulator/entities.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace dlexport::emulator {

namespace {
constexpr const char* kDefaultCreator = "emulator@dataloop.local";
}  // namespace

std::string iso_from_millis(std::int64_t millis) {
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  int ms = static_cast<int>(millis % 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_now() { return iso_from_millis(now_millis()); }

std::string_view kind_segment(Kind kind) {
  switch (kind) {
    case Kind::kProject:
      return "projects";
    case Kind::kDriver:
      return "drivers";
    case Kind::kDataset:
      return "datasets";
    case Kind::kItem:
      return "items";
    case Kind::kAnnotation:
      return "annotations";
    case Kind::kService:
      return "services";
    case Kind::kPackage:
      return "packages";
    case Kind::kPipeline:
      return "pipelines";
    case Kind::kRecipe:
      return "recipes";
    case Kind::kOntology:
      return "ontologies";
    case Kind::kWebhook:
      return "webhooks";
    case Kind::kTrigger:
      return "triggers";
    case Kind::kCommand:
      return "commands";
  }
  return "unknown";
}

std::string entity_url(const std::string& base, Kind kind, std::string_view id) {
  std::string url = base;
  url += '/';
  url += kind_segment(kind);
  url += '/';
  url += id;
  return url;
}

std::string string_field(const Json& json, const char* key, std::string fallback) {
  if (!json.is_object()) return fallback;
  auto it = json.find(key);
  if (it == json.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

bool bool_field(const Json& json, const char* key, bool fallback) {
  if (!json.is_object()) return fallback;
  auto it = json.find(key);
  if (it == json.end() || !it->is_boolean()) return fallback;
  return it->get<bool>();
}

void set_default(Json& json, const char* key, Json value) {
  if (!json.contains(key)) json[key] = std::move(value);
}

Json with_key_order(const Json& json, std::initializer_list<const char*> order) {
  Json out = Json::object();
  for (const char* key : order) {
    if (auto it = json.find(key); it != json.end()) out[key] = *it;
  }
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (!out.contains(it.key())) out[it.key()] = it.value();
  }
  return out;
}

Json in_item_order(const Json& item) {
  return with_key_order(
      item, {"id",        "datasetId", "createdAt", "dir",         "filename", "type",
             "hidden",    "metadata",  "name",      "url",         "dataset",  "annotationsCount",
             "annotated", "stream",    "thumbnail", "annotations", "creator",  "updatedAt",
             "updatedBy", "spec",      "srcItem",   "srcDataset",  "projectId"});
}

Json in_dataset_order(const Json& dataset) {
  return with_key_order(dataset, {"id",
                                  "url",
                                  "name",
                                  "annotated",
                                  "itemsCount",
                                  "items",
                                  "directoryTree",
                                  "creator",
                                  "projects",
                                  "metadata",
                                  "createdAt",
                                  "updatedAt",
                                  "updatedBy",
                                  "readableType",
                                  "accessLevel",
                                  "driver",
                                  "readonly",
                                  "indexDriver",
                                  "enableSyncWithCloned",
                                  "annotationsCount",
                                  "export"});
}

Json in_annotation_order(const Json& annotation) {
  return with_key_order(annotation, {"id", "datasetId", "type", "label", "attributes", "metadata",
                                     "creator", "createdAt", "updatedBy", "updatedAt", "itemId",
                                     "url", "item", "dataset", "hash", "source", "coordinates"});
}

void split_filename(std::string_view filename, std::string* dir, std::string* name) {
  std::size_t slash = filename.rfind('/');
  if (slash == std::string_view::npos) {
    *dir = "/";
    *name = std::string(filename);
    return;
  }
  if (slash == 0) {
    dir->assign("/");
  } else {
    dir->assign(filename.data(), slash);
  }
  name->assign(filename.data() + slash + 1, filename.size() - slash - 1);
}

std::string join_filename(std::string_view dir, std::string_view name) {
  std::string out(dir.empty() ? "/" : dir);
  if (out.back() != '/') out += '/';
  out += name;
  return out;
}

std::string guess_mimetype(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".jpg", "image/jpeg"},  {".jpeg", "image/jpeg"},       {".png", "image/png"},
      {".bmp", "image/bmp"},   {".tif", "image/tiff"},        {".mp4", "video/mp4"},
      {".webm", "video/webm"}, {".wav", "audio/wav"},         {".mp3", "audio/mpeg"},
      {".txt", "text/plain"},  {".json", "application/json"}, {".pcd", "application/pcd"}};
  std::size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    std::string ext(name.substr(dot));
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& [e, type] : kTypes) {
      if (e == ext) return std::string(type);
    }
  }
  return "application/octet-stream";
}

void fill_project(Json& project, const std::string& base, const std::string& now) {
  const std::string id = project["id"].get<std::string>();
  set_default(project, "name", "project-" + id);
  set_default(project, "url", entity_url(base, Kind::kProject, id));
  set_default(project, "createdAt", now);
  set_default(project, "updatedAt", project["createdAt"]);
  set_default(project, "creator", kDefaultCreator);
  set_default(project, "role", "owner");
  set_default(project, "accountId", nullptr);
  set_default(project, "org", nullptr);
  set_default(project, "contributors", Json::array());
  set_default(project, "feature_constraints", Json::array());
  set_default(project, "isBlocked", false);
  set_default(project, "archived", false);
}

void fill_driver(Json& driver, const std::string& base, const std::string& now) {
  (void)base;
  if (auto payload = driver.find("payload"); payload != driver.end() && payload->is_object()) {
    Json flat = *payload;
    driver.erase("payload");
    for (auto it = flat.begin(); it != flat.end(); ++it)
      set_default(driver, it.key().c_str(), it.value());
  }
  const std::string id = driver["id"].get<std::string>();
  set_default(driver, "type", "s3");
  set_default(driver, "name", "driver-" + id);
  set_default(driver, "creator", kDefaultCreator);
  set_default(driver, "createdAt", now);
  set_default(driver, "isSyncable", false);
  set_default(driver, "projectId", nullptr);
  set_default(driver, "orgId", nullptr);
  set_default(driver, "integrationId", nullptr);
  set_default(driver, "integrationType", driver["type"]);
  set_default(driver, "allowExternalDelete", false);
  set_default(driver, "allowExternalModification", false);
  set_default(driver, "metadata", Json{{"system", {{"projectId", driver["projectId"]}}}});
}

void fill_dataset(Json& dataset, const std::string& base, const std::string& now) {
  const std::string id = dataset["id"].get<std::string>();
  const std::string url = entity_url(base, Kind::kDataset, id);
  set_default(dataset, "url", url);
  set_default(dataset, "name", "dataset-" + id);
  set_default(dataset, "annotated", 0);
  set_default(dataset, "itemsCount", 0);
  set_default(dataset, "items", url + "/items");
  set_default(dataset, "directoryTree", url + "/directoryTree");
  set_default(dataset, "creator", kDefaultCreator);
  set_default(dataset, "projects", Json::array());
  if (!dataset.contains("metadata") || !dataset["metadata"].is_object()) {
    dataset["metadata"] = Json::object();
  }
  Json& metadata = dataset["metadata"];
  if (!metadata.contains("system") || !metadata["system"].is_object()) {
    metadata["system"] = Json::object();
  }
  set_default(metadata["system"], "recipes", Json::array());
  set_default(metadata["system"], "collections", Json::object());
  set_default(dataset, "createdAt", now);
  set_default(dataset, "updatedAt", dataset["createdAt"]);
  set_default(dataset, "updatedBy", dataset["creator"]);
  set_default(dataset, "readableType", "dataset");
  set_default(dataset, "accessLevel", "private");
  set_default(dataset, "driver", "default-driver-id");
  set_default(dataset, "readonly", false);
  set_default(dataset, "indexDriver", "v2");
  set_default(dataset, "enableSyncWithCloned", false);
  set_default(dataset, "annotationsCount", 0);
  set_default(dataset, "export", Json{{"zip", url + "/export/zip"}});
}

void fill_item(Json& item, const Json& dataset, const std::string& base, const std::string& now) {
  const std::string id = item["id"].get<std::string>();
  const std::string dataset_id = dataset["id"].get<std::string>();
  set_default(item, "datasetId", dataset_id);
  set_default(item, "createdAt", now);
  std::string dir, name;
  if (item.contains("filename") && item["filename"].is_string()) {
    split_filename(item["filename"].get<std::string>(), &dir, &name);
  } else {
    dir = string_field(item, "dir", "/");
    name = string_field(item, "name", id);
    item["filename"] = join_filename(dir, name);
  }
  set_default(item, "dir", dir);
  set_default(item, "type", "file");
  set_default(item, "hidden", false);
  set_default(item, "name", name);
  const std::string url = entity_url(base, Kind::kItem, id);
  set_default(item, "url", url);
  set_default(item, "dataset", entity_url(base, Kind::kDataset, dataset_id));
  set_default(item, "stream", url + "/stream");
  set_default(item, "thumbnail", url + "/thumbnail");
  set_default(item, "annotations", url + "/annotations");
  set_default(item, "creator", string_field(dataset, "creator", kDefaultCreator));
  set_default(item, "updatedAt", item["createdAt"]);
  set_default(item, "updatedBy", item["creator"]);
  set_default(item, "spec", "MasterItemSpec");
  set_default(item, "srcItem", nullptr);
  set_default(item, "srcDataset", nullptr);
  const Json& projects = dataset["projects"];
  if (projects.is_array() && !projects.empty()) set_default(item, "projectId", projects[0]);
}

void fill_annotation(Json& annotation, const Json& item, const std::string& base,
                     const std::string& now) {
  const std::string item_id = item["id"].get<std::string>();
  const Json dataset_id = item["datasetId"];
  set_default(annotation, "datasetId", dataset_id);
  set_default(annotation, "creator", string_field(item, "creator", kDefaultCreator));
  set_default(annotation, "createdAt", now);
  set_default(annotation, "updatedBy", annotation["creator"]);
  set_default(annotation, "updatedAt", annotation["createdAt"]);
  set_default(annotation, "itemId", item_id);
  set_default(annotation, "item", entity_url(base, Kind::kItem, item_id));
  set_default(annotation, "dataset",
              entity_url(base, Kind::kDataset, dataset_id.get<std::string>()));
}

void fill_recipe(Json& recipe, const std::string& base, const std::string& now) {
  const std::string id = recipe["id"].get<std::string>();
  set_default(recipe, "url", entity_url(base, Kind::kRecipe, id));
  set_default(recipe, "creator", kDefaultCreator);
  set_default(recipe, "title", "default recipe");
  set_default(recipe, "projectIds", Json::array());
  set_default(recipe, "ontologyIds", Json::array());
  set_default(recipe, "metadata", Json{{"system", {{"projectIds", recipe["projectIds"]}}}});
  set_default(recipe, "uiSettings", Json::object());
  set_default(recipe, "instructions", Json::array());
  set_default(recipe, "examples", Json::array());
  set_default(recipe, "customActions", Json::array());
  set_default(recipe, "createdAt", now);
}

void fill_ontology(Json& ontology, const std::string& base, const std::string& now) {
  const std::string id = ontology["id"].get<std::string>();
  set_default(ontology, "url", entity_url(base, Kind::kOntology, id));
  set_default(ontology, "creator", kDefaultCreator);
  set_default(ontology, "title", "default");
  set_default(ontology, "attributes", Json::array());
  set_default(ontology, "metadata",
              Json{{"system", {{"projectIds", Json::array()}}}, {"attributes", Json::array()}});
  set_default(ontology, "roots", Json::array());
  set_default(ontology, "createdAt", now);
  set_default(ontology, "updatedAt", ontology["createdAt"]);
}

void fill_generic(Kind kind, Json& entity, const std::string& base, const std::string& now,
                  const std::string& creator) {
  const std::string id = entity["id"].get<std::string>();
  set_default(entity, "url", entity_url(base, kind, id));
  set_default(entity, "createdAt", now);
  set_default(entity, "updatedAt", entity["createdAt"]);
  set_default(entity, "creator", creator.empty() ? std::string(kDefaultCreator) : creator);
}

void fill_command(Json& command, const std::string& base, const std::string& now) {
  const std::string id = command["id"].get<std::string>();
  set_default(command, "url", entity_url(base, Kind::kCommand, id));
  set_default(command, "status", "success");
  set_default(command, "progress", 100);
  set_default(command, "type", "ItemsBulkDelete");
  set_default(command, "createdAt", now);
  set_default(command, "updatedAt", nullptr);
  set_default(command, "error", nullptr);
  set_default(command, "spec", Json::object());
}

}  // namespace dlexport::emulator
