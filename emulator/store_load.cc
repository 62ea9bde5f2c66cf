// Store: fixtures, dataset lifecycle and the generator entry point (WIRE.md §3, §11).
#include "emulator/store_state.h"

namespace dlexport::emulator {
namespace {

constexpr std::int64_t kGeneratedEpochMs = 1704067200000;  // 2024-01-01T00:00:00.000Z

std::string label_of(const char* kind, std::size_t index) {
  return std::string(kind) + "[" + std::to_string(index) + "]";
}

// A driver reference a dataset may carry: the id of a known driver, or a value that is not
// an id at all (e.g. "default-driver-id", a driver type) meaning the platform's own storage.
Status check_driver_ref(const Store::State& s, const Json& value, const std::string& field) {
  if (!value.is_string()) return invalid_argument(field + " must be a string");
  const auto& id = value.get_ref<const std::string&>();
  if (ObjectId::parse(id) && !s.drivers.count(id)) {
    return invalid_argument(field + ": driver " + id + " does not exist");
  }
  return Status::ok();
}

}  // namespace

// Creates a recipe and its ontology for a new dataset, returning the recipe id.
static std::string make_default_recipe(Store::State& s, const Json& projects,
                                       const std::string& creator, const std::string& now) {
  const std::string ontology_id = s.clock.next().hex();
  const std::string recipe_id = s.clock.next().hex();
  Json roots = Json::array();
  for (const auto& [tag, color] : {std::pair{"car", "#ff0000"}, std::pair{"person", "#00ff00"},
                                   std::pair{"road", "#0000ff"}}) {
    roots.push_back(Json{
        {"value",
         {{"tag", tag}, {"color", color}, {"attributes", Json::array()}, {"displayLabel", tag}}},
        {"children", Json::array()}});
  }
  Json ontology = {{"id", ontology_id}, {"creator", creator}};
  fill_ontology(ontology, s.base, now);
  ontology["metadata"]["system"]["projectIds"] = projects;
  ontology["roots"] = roots;
  ontology = with_key_order(ontology, {"id", "url", "creator", "title", "attributes", "metadata",
                                       "roots", "createdAt", "updatedAt"});
  s.ontologies[ontology_id] = ontology;
  Json recipe = {{"id", recipe_id},
                 {"creator", creator},
                 {"projectIds", projects},
                 {"ontologyIds", Json::array({ontology_id})}};
  fill_recipe(recipe, s.base, now);
  recipe = with_key_order(recipe, {"id", "url", "creator", "title", "projectIds", "ontologyIds"});
  s.recipes[recipe_id] = recipe;
  return recipe_id;
}

// Inserts a dataset built from a create body (no locking; validates references).
static Result<Json> create_dataset_locked(Store::State& s, const Json& body,
                                          const std::string& creator) {
  if (!body.is_object()) return invalid_argument("the body must be a JSON object");
  if (!body.contains("name") || !body["name"].is_string() ||
      body["name"].get<std::string>().empty()) {
    return invalid_argument("name: a dataset needs a non-empty name");
  }
  const std::string name = body["name"].get<std::string>();
  Json projects = body.value("projects", Json::array());
  if (!projects.is_array()) return invalid_argument("projects must be a list of project ids");
  Json driver = body.contains("driver") ? body["driver"] : body.value("driverId", Json());
  if (!driver.is_null()) {
    DLX_RETURN_IF_ERROR(
        check_driver_ref(s, driver, body.contains("driver") ? "driver" : "driverId"));
  }
  for (const auto& [id, ds] : s.datasets) {
    if (string_field(ds.json, "name") == name &&
        ds.json.value("projects", Json::array()) == projects) {
      return Status(StatusCode::kAlreadyExists, "a dataset named '" + name + "' already exists");
    }
  }
  const std::string now = iso_now();
  const std::string id = s.clock.next().hex();
  Json ds = {{"id", id}, {"name", name}, {"creator", creator}, {"projects", projects}};
  if (!driver.is_null()) ds["driver"] = driver;
  if (body.contains("metadata") && body["metadata"].is_object()) ds["metadata"] = body["metadata"];
  fill_dataset(ds, s.base, now);
  if (bool_field(body, "createDefaultRecipe", true)) {
    Json& recipes = ds["metadata"]["system"]["recipes"];
    if (recipes.empty()) recipes.push_back(make_default_recipe(s, projects, creator, now));
  }
  ds = in_dataset_order(ds);
  DatasetRec rec;
  rec.json = ds;
  s.datasets[id] = std::move(rec);
  return s.dataset_output(s.datasets[id]);
}

Result<Json> Store::create_dataset(const Json& body, const std::string& creator) {
  std::unique_lock<std::shared_mutex> lock(state_->mu);
  ++state_->version;
  return create_dataset_locked(*state_, body, creator);
}

Result<Json> Store::patch_dataset(std::string_view id, const Json& body, bool system,
                                  const std::string& updated_by) {
  if (!body.is_object()) return invalid_argument("the body must be a JSON object");
  static const char* const kReadOnly[] = {
      "id",    "url",           "createdAt", "itemsCount", "annotationsCount", "annotated",
      "items", "directoryTree", "export",    "creator",    "updatedAt",        "updatedBy"};
  std::unique_lock<std::shared_mutex> lock(state_->mu);
  ++state_->version;
  DatasetRec* ds = state_->dataset(id);
  if (ds == nullptr) return not_found("dataset " + std::string(id) + " does not exist");
  if (body.contains("driver") && !body["driver"].is_null() &&
      body["driver"] != ds->json["driver"]) {
    DLX_RETURN_IF_ERROR(check_driver_ref(*state_, body["driver"], "driver"));
  }
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    if (std::any_of(std::begin(kReadOnly), std::end(kReadOnly),
                    [&](const char* k) { return key == k; })) {
      continue;
    }
    if (key == "metadata" && it->is_object()) {
      Json& metadata = ds->json["metadata"];
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (m.key() == "system") {
          if (system && m->is_object()) metadata["system"] = *m;
        } else {
          metadata[m.key()] = *m;
        }
      }
      continue;
    }
    ds->json[key] = *it;
  }
  ds->json["updatedAt"] = iso_now();
  if (!updated_by.empty()) ds->json["updatedBy"] = updated_by;
  return state_->dataset_output(*ds);
}

Status Store::delete_dataset(std::string_view id) {
  State& s = *state_;
  std::vector<FileRemoval> removals;
  {
    std::unique_lock<std::shared_mutex> lock(s.mu);
    ++s.version;
    auto it = s.datasets.find(std::string(id));
    if (it == s.datasets.end()) return not_found("dataset " + std::string(id) + " does not exist");
    DatasetRec& ds = it->second;
    while (!ds.items.empty()) s.remove_item(ds, ds.items.begin(), &removals);
    s.datasets.erase(it);
  }
  s.apply_removals(removals);
  return Status::ok();
}

Result<Json> Store::load_fixture(const Json& fixture) {
  if (!fixture.is_object()) return invalid_argument("a fixture must be a JSON object");
  State& s = *state_;
  std::unique_lock<std::shared_mutex> lock(s.mu);
  ++s.version;
  const std::string now = iso_now();
  Json loaded = Json::object();

  // Every entity: an object, with a string id (a fresh one when missing) that moves the clock.
  auto prepare = [&](const char* kind, std::size_t index, const Json& in,
                     bool needs_object_id) -> Result<Json> {
    if (!in.is_object()) return invalid_argument(label_of(kind, index) + " must be an object");
    Json entity = in;
    if (!entity.contains("id")) {
      Json with_id = {{"id", s.clock.next().hex()}};
      with_id.update(entity);
      entity = std::move(with_id);
    }
    if (!entity["id"].is_string())
      return invalid_argument(label_of(kind, index) + ".id must be a string");
    const std::string& id = entity["id"].get_ref<const std::string&>();
    if (needs_object_id && !ObjectId::parse(id)) {
      return invalid_argument(label_of(kind, index) + ".id '" + id + "' is not a 24-hex id");
    }
    s.clock.advance_past(id);
    return entity;
  };

  auto list = [&](const char* kind) -> Result<const Json*> {
    auto it = fixture.find(kind);
    if (it == fixture.end() || it->is_null()) return static_cast<const Json*>(nullptr);
    if (!it->is_array()) return invalid_argument(std::string(kind) + " must be a list");
    return &*it;
  };

  if (auto it = fixture.find("users"); it != fixture.end() && it->is_array()) {
    for (const Json& u : *it) {
      if (!u.is_object() || !u.contains("email")) return invalid_argument("users need an email");
      User user{string_field(u, "email"), string_field(u, "password"),
                string_field(u, "refresh_token")};
      std::erase_if(s.users, [&](const User& x) { return x.email == user.email; });
      if (!user.refresh_token.empty()) s.refresh_tokens[user.refresh_token] = user.email;
      s.users.push_back(std::move(user));
    }
    loaded["users"] = it->size();
  }

  struct Simple {
    const char* key;
    Kind kind;
  };
  for (const Simple& k :
       {Simple{"projects", Kind::kProject}, Simple{"drivers", Kind::kDriver},
        Simple{"recipes", Kind::kRecipe}, Simple{"ontologies", Kind::kOntology}}) {
    DLX_ASSIGN_OR_RETURN(const Json* entries, list(k.key));
    if (entries == nullptr) continue;
    for (std::size_t i = 0; i < entries->size(); ++i) {
      DLX_ASSIGN_OR_RETURN(Json e, prepare(k.key, i, (*entries)[i], false));
      switch (k.kind) {
        case Kind::kProject:
          fill_project(e, s.base, now);
          break;
        case Kind::kDriver:
          fill_driver(e, s.base, now);
          break;
        case Kind::kRecipe:
          fill_recipe(e, s.base, now);
          break;
        default:
          fill_ontology(e, s.base, now);
          break;
      }
      (*s.simple(k.kind))[e["id"].get<std::string>()] = e;
    }
    loaded[k.key] = entries->size();
  }

  DLX_ASSIGN_OR_RETURN(const Json* datasets, list("datasets"));
  if (datasets != nullptr) {
    for (std::size_t i = 0; i < datasets->size(); ++i) {
      DLX_ASSIGN_OR_RETURN(Json e, prepare("datasets", i, (*datasets)[i], false));
      for (const char* field : {"driver", "driverId"}) {
        if (e.contains(field) && !e[field].is_null()) {
          DLX_RETURN_IF_ERROR(check_driver_ref(s, e[field], label_of("datasets", i) + "." + field));
        }
      }
      if (!e.contains("driver") && e.contains("driverId")) e["driver"] = e["driverId"];
      fill_dataset(e, s.base, now);
      const std::string id = e["id"].get<std::string>();
      auto existing = s.datasets.find(id);
      if (existing != s.datasets.end()) {
        existing->second.json = std::move(e);  // keeps its items and annotations
      } else {
        DatasetRec rec;
        rec.json = std::move(e);
        s.datasets[id] = std::move(rec);
      }
    }
    loaded["datasets"] = datasets->size();
  }

  DLX_ASSIGN_OR_RETURN(const Json* items, list("items"));
  if (items != nullptr) {
    for (std::size_t i = 0; i < items->size(); ++i) {
      DLX_ASSIGN_OR_RETURN(Json e, prepare("items", i, (*items)[i], true));
      const std::string where = label_of("items", i);
      if (!e.contains("datasetId") || !e["datasetId"].is_string()) {
        return invalid_argument(where + ".datasetId is required");
      }
      DatasetRec* ds = s.dataset(e["datasetId"].get<std::string>());
      if (ds == nullptr) {
        return invalid_argument(where + ".datasetId: dataset " + e["datasetId"].get<std::string>() +
                                " does not exist");
      }
      const ObjectId id = *ObjectId::parse(e["id"].get<std::string>());
      std::vector<ObjectId> keep_annotations;
      if (DatasetRec* old = s.dataset_of_item(id)) {
        auto it = old->items.find(id);
        if (old == ds) keep_annotations = it->second.annotations;
        if (old != ds) {
          for (const ObjectId& a : it->second.annotations) old->annotations.erase(a);
          if (!it->second.annotations.empty()) --old->annotated_items;
        } else if (!keep_annotations.empty()) {
          --ds->annotated_items;  // re-counted below
        }
        auto f = old->by_filename.find(string_field(it->second.json, "filename"));
        if (f != old->by_filename.end() && f->second == id) old->by_filename.erase(f);
        old->items.erase(it);
      }
      ItemRec rec;
      rec.live_counts = !e.contains("annotationsCount");
      fill_item(e, ds->json, s.base, now);
      if (rec.live_counts) {
        set_default(e, "annotationsCount", 0);
        set_default(e, "annotated", false);
      } else if (!e.contains("annotated")) {
        e["annotated"] = e["annotationsCount"] != 0;
      }
      rec.json = std::move(e);
      rec.refresh();
      rec.annotations = std::move(keep_annotations);
      if (!rec.annotations.empty()) ++ds->annotated_items;
      ds->by_filename[string_field(rec.json, "filename")] = id;
      ds->items.emplace(id, std::move(rec));
    }
    loaded["items"] = items->size();
  }

  DLX_ASSIGN_OR_RETURN(const Json* annotations, list("annotations"));
  if (annotations != nullptr) {
    for (std::size_t i = 0; i < annotations->size(); ++i) {
      DLX_ASSIGN_OR_RETURN(Json e, prepare("annotations", i, (*annotations)[i], true));
      const std::string where = label_of("annotations", i);
      if (!e.contains("itemId") || !e["itemId"].is_string()) {
        return invalid_argument(where + ".itemId is required");
      }
      auto item_id = ObjectId::parse(e["itemId"].get<std::string>());
      DatasetRec* ds = item_id ? s.dataset_of_item(*item_id) : nullptr;
      if (ds == nullptr) {
        return invalid_argument(where + ".itemId: item " + e["itemId"].get<std::string>() +
                                " does not exist");
      }
      const ObjectId id = *ObjectId::parse(e["id"].get<std::string>());
      if (DatasetRec* old = s.dataset_of_annotation(id)) s.remove_annotation(*old, id);
      fill_annotation(e, ds->items.at(*item_id).json, s.base, now);
      AnnotationRec rec;
      rec.item = *item_id;
      rec.json = std::make_unique<Json>(std::move(e));
      s.add_annotation(*ds, id, std::move(rec));
    }
    loaded["annotations"] = annotations->size();
  }

  for (const Simple& k : {Simple{"services", Kind::kService}, Simple{"packages", Kind::kPackage},
                          Simple{"pipelines", Kind::kPipeline}, Simple{"webhooks", Kind::kWebhook},
                          Simple{"triggers", Kind::kTrigger}, Simple{"commands", Kind::kCommand}}) {
    DLX_ASSIGN_OR_RETURN(const Json* entries, list(k.key));
    if (entries == nullptr) continue;
    for (std::size_t i = 0; i < entries->size(); ++i) {
      DLX_ASSIGN_OR_RETURN(Json e, prepare(k.key, i, (*entries)[i], false));
      if (k.kind == Kind::kCommand) {
        fill_command(e, s.base, now);
      } else {
        fill_generic(k.kind, e, s.base, now, "");
      }
      (*s.simple(k.kind))[e["id"].get<std::string>()] = e;
    }
    loaded[k.key] = entries->size();
  }
  return loaded;
}

Result<Json> Store::generate(const Json& spec) {
  if (!spec.is_object()) return invalid_argument("the generate spec must be a JSON object");
  auto count = [&](const char* key, std::int64_t fallback,
                   std::int64_t max) -> Result<std::int64_t> {
    auto it = spec.find(key);
    if (it == spec.end() || it->is_null()) return fallback;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > max) {
      return invalid_argument(std::string(key) + " must be an integer between 0 and " +
                              std::to_string(max));
    }
    return it->get<std::int64_t>();
  };
  DLX_ASSIGN_OR_RETURN(const std::int64_t n_items, count("items", 10, 10'000'000));
  DLX_ASSIGN_OR_RETURN(const std::int64_t per_item, count("annotations_per_item", 3, 100'000));
  std::uint64_t seed = 1;
  if (auto it = spec.find("seed"); it != spec.end() && it->is_number_integer()) {
    seed = it->get<std::uint64_t>();
  }
  std::string project_id = string_field(spec, "project_id");
  std::string dataset_id = string_field(spec, "dataset_id");
  const std::string driver_id = string_field(spec, "driver_id");

  State& s = *state_;
  std::unique_lock<std::shared_mutex> lock(s.mu);
  ++s.version;
  const std::string now = iso_now();
  if (!driver_id.empty() && !s.drivers.count(driver_id)) {
    return invalid_argument("driver_id: driver " + driver_id + " does not exist");
  }
  if (project_id.empty()) project_id = s.clock.next().hex();
  if (!s.projects.count(project_id)) {
    s.clock.advance_past(project_id);
    Json project = {{"id", project_id}, {"name", "generated-" + std::to_string(seed)}};
    fill_project(project, s.base, now);
    s.projects[project_id] = project;
  }
  DatasetRec* ds = dataset_id.empty() ? nullptr : s.dataset(dataset_id);
  if (ds == nullptr) {
    Json body = {{"name", string_field(spec, "dataset_name", "generated-" + std::to_string(seed))},
                 {"projects", Json::array({project_id})}};
    if (!driver_id.empty()) body["driver"] = driver_id;
    DLX_ASSIGN_OR_RETURN(Json created, create_dataset_locked(s, body, "generator@dataloop.local"));
    if (!dataset_id.empty()) {
      // Re-key under the requested id.
      s.clock.advance_past(dataset_id);
      DatasetRec rec = std::move(s.datasets.at(created["id"].get<std::string>()));
      s.datasets.erase(created["id"].get<std::string>());
      const std::string url = entity_url(s.base, Kind::kDataset, dataset_id);
      rec.json["id"] = dataset_id;
      rec.json["url"] = url;
      rec.json["items"] = url + "/items";
      rec.json["directoryTree"] = url + "/directoryTree";
      rec.json["export"] = Json{{"zip", url + "/export/zip"}};
      s.datasets[dataset_id] = std::move(rec);
    } else {
      dataset_id = created["id"].get<std::string>();
    }
    ds = s.dataset(dataset_id);
  } else if (!driver_id.empty()) {
    ds->json["driver"] = driver_id;
  }

  SplitMix64 rng(seed);
  Json item_ids = Json::array();
  std::int64_t annotations = 0;
  std::uint64_t type_counter = seed % kAnnotationTypes.size();
  const std::uint64_t first_index = ds->items.size();
  for (std::int64_t i = 0; i < n_items; ++i) {
    const ObjectId id = s.clock.next();
    const std::string hex = id.hex();
    const std::int64_t created_ms = kGeneratedEpochMs + i * 1000;
    Json item = generate_item(rng, first_index + static_cast<std::uint64_t>(i), hex, ds->json,
                              s.base, created_ms);
    std::string filename = item["filename"].get<std::string>();
    while (ds->by_filename.count(filename)) {  // a second run over the same dataset
      item["name"] = "dup-" + item["name"].get<std::string>();
      filename = join_filename(item["dir"].get<std::string>(), item["name"].get<std::string>());
      item["filename"] = filename;
    }
    ItemRec rec;
    rec.json = std::move(item);
    rec.refresh();
    ds->by_filename[filename] = id;
    auto& stored = ds->items.emplace_hint(ds->items.end(), id, std::move(rec))->second;
    for (std::int64_t j = 0; j < per_item; ++j) {
      const ObjectId ann_id = s.clock.next();
      AnnotationRec ann;
      ann.item = id;
      ann.gen.seed = rng.next();
      ann.gen.created_ms = created_ms + 1000 + j;
      ann.gen.type = static_cast<std::uint8_t>(type_counter++ % kAnnotationTypes.size());
      if (stored.annotations.empty()) ++ds->annotated_items;
      stored.annotations.push_back(ann_id);
      ds->annotations.emplace_hint(ds->annotations.end(), ann_id, std::move(ann));
      ++annotations;
    }
    item_ids.push_back(hex);
  }
  return Json{{"project_id", project_id},
              {"dataset_id", dataset_id},
              {"item_ids", std::move(item_ids)},
              {"annotations", annotations}};
}

}  // namespace dlexport::emulator
