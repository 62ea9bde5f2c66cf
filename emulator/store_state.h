#pragma once
// Store internals shared by the store_*.cc files: the records behind each entity kind and the
// State every Store method works on. Not part of the emulator's interface; include only from
// store*.cc. Callers hold State::mu (shared for reads, unique for writes) around every use.

#include <algorithm>
#include <array>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/dql.h"
#include "emulator/driver_storage.h"
#include "emulator/entities.h"
#include "emulator/generator.h"
#include "emulator/ids.h"
#include "emulator/store.h"

namespace dlexport::emulator {

struct AnnotationRec {
  ObjectId item;
  std::unique_ptr<Json> json;  // fixture annotations: the full platform JSON
  GeneratedAnnotation gen;     // generated annotations (json == nullptr)
};

// Values of `hidden` and `type` that almost every item query tests, copied out of the JSON
// so a scan over 100k items does not walk each item's key list.
enum class Hot : std::uint8_t { kFalse, kTrue, kFile, kDir, kOther };

struct ItemRec {
  Json json;
  bool live_counts = true;  // annotationsCount/annotated follow `annotations`
  Hot hidden = Hot::kOther;
  Hot type = Hot::kOther;
  std::vector<ObjectId> annotations;  // sorted
  std::string content;                // uploaded bytes

  // Call after every change to `json`.
  void refresh() {
    static const FieldPath kHidden("hidden"), kType("type");
    const Json* h = find_path(json, kHidden);
    hidden = h == nullptr || !h->is_boolean() ? Hot::kOther
             : h->get<bool>()                 ? Hot::kTrue
                                              : Hot::kFalse;
    const Json* t = find_path(json, kType);
    type = t == nullptr || !t->is_string()              ? Hot::kOther
           : t->get_ref<const std::string&>() == "file" ? Hot::kFile
           : t->get_ref<const std::string&>() == "dir"  ? Hot::kDir
                                                        : Hot::kOther;
  }
};

inline const Json* hot_value(Hot hot) {
  static const Json kValues[] = {Json(false), Json(true), Json("file"), Json("dir")};
  return hot == Hot::kOther ? nullptr : &kValues[static_cast<int>(hot)];
}

struct DatasetRec {
  Json json;
  std::map<ObjectId, ItemRec> items;
  std::unordered_map<std::string, ObjectId> by_filename;
  std::map<ObjectId, AnnotationRec> annotations;
  std::int64_t annotated_items = 0;
};

// A bucket file to remove once the store lock is released.
struct FileRemoval {
  Json driver;
  std::string dataset_id;
  std::string filename;
};

inline bool is_lower_hex_id(std::string_view id) {
  auto parsed = ObjectId::parse(id);
  return parsed && parsed->hex() == id;
}

inline Json item_output(const ItemRec& rec) {
  Json out = rec.json;
  if (rec.live_counts) {
    out["annotationsCount"] = rec.annotations.size();
    out["annotated"] = !rec.annotations.empty();
  }
  return out;
}

class ItemDocument : public Document {
 public:
  explicit ItemDocument(const ItemRec& rec) : rec_(rec) {}
  const Json* field(const FieldPath& path) const override {
    if (path.parts.size() == 1) {
      if (path.full == "hidden" && rec_.hidden != Hot::kOther) return hot_value(rec_.hidden);
      if (path.full == "type" && rec_.type != Hot::kOther) return hot_value(rec_.type);
    }
    if (rec_.live_counts && path.parts.size() == 1) {
      if (path.full == "annotationsCount") {
        scratch_ = rec_.annotations.size();
        return &scratch_;
      }
      if (path.full == "annotated") {
        scratch_ = !rec_.annotations.empty();
        return &scratch_;
      }
    }
    return find_path(rec_.json, path);
  }

 private:
  const ItemRec& rec_;
  mutable Json scratch_;
};

inline const std::vector<Json>& type_names() {
  static const std::vector<Json> names = [] {
    std::vector<Json> out;
    for (std::string_view t : kAnnotationTypes) out.emplace_back(std::string(t));
    return out;
  }();
  return names;
}

struct Store::State {
  std::string base;
  std::shared_ptr<DriverStorage> storage;
  mutable std::shared_mutex mu;
  IdClock clock;
  std::map<std::string, Json> projects, drivers, services, packages, pipelines, recipes, ontologies,
      webhooks, triggers, commands;
  std::map<std::string, DatasetRec> datasets;
  std::vector<User> users;
  std::unordered_map<std::string, std::string> refresh_tokens;  // token → email
  std::array<std::mutex, 64> upload_stripes;

  // Bumped by every change to items or annotations (under the unique lock); the match cache
  // trusts an entry only while this is unchanged.
  std::uint64_t version = 0;

  // Ids (ascending) matching a filter with its keyset condition stripped, per dataset and
  // resource. The SDK pages by repeating one filter with a growing `id $gt`, so every page
  // after the first is a binary search plus the page's own JSON, not a scan.
  struct CachedMatches {
    std::string key;
    std::uint64_t version = 0;
    std::shared_ptr<const std::vector<ObjectId>> ids;
  };
  std::mutex cache_mu;
  std::list<CachedMatches> cache;  // most recent first
  static constexpr std::size_t kCacheEntries = 8;

  std::shared_ptr<const std::vector<ObjectId>> cached(const std::string& key) {
    std::lock_guard<std::mutex> lock(cache_mu);
    for (auto it = cache.begin(); it != cache.end(); ++it) {
      if (it->key == key && it->version == version) {
        cache.splice(cache.begin(), cache, it);
        return cache.front().ids;
      }
    }
    return nullptr;
  }
  void remember(std::string key, std::shared_ptr<const std::vector<ObjectId>> ids) {
    std::lock_guard<std::mutex> lock(cache_mu);
    std::erase_if(cache,
                  [&](const CachedMatches& c) { return c.key == key || c.version != version; });
    cache.push_front({std::move(key), version, std::move(ids)});
    if (cache.size() > kCacheEntries) cache.pop_back();
  }

  std::map<std::string, Json>* simple(Kind kind) {
    switch (kind) {
      case Kind::kProject:
        return &projects;
      case Kind::kDriver:
        return &drivers;
      case Kind::kService:
        return &services;
      case Kind::kPackage:
        return &packages;
      case Kind::kPipeline:
        return &pipelines;
      case Kind::kRecipe:
        return &recipes;
      case Kind::kOntology:
        return &ontologies;
      case Kind::kWebhook:
        return &webhooks;
      case Kind::kTrigger:
        return &triggers;
      case Kind::kCommand:
        return &commands;
      default:
        return nullptr;
    }
  }
  const std::map<std::string, Json>* simple(Kind kind) const {
    return const_cast<State*>(this)->simple(kind);
  }

  std::mutex& stripe(std::string_view dataset_id, std::string_view filename) {
    std::string key(dataset_id);
    key += '\n';
    key += filename;
    return upload_stripes[std::hash<std::string>()(key) % upload_stripes.size()];
  }

  // --- lookups ---------------------------------------------------------------------------
  DatasetRec* dataset(std::string_view id) {
    auto it = datasets.find(std::string(id));
    return it == datasets.end() ? nullptr : &it->second;
  }
  const DatasetRec* dataset(std::string_view id) const {
    return const_cast<State*>(this)->dataset(id);
  }

  // The dataset holding item `id`, or null.
  DatasetRec* dataset_of_item(const ObjectId& id) {
    for (auto& [name, ds] : datasets) {
      if (ds.items.count(id)) return &ds;
    }
    return nullptr;
  }
  DatasetRec* dataset_of_annotation(const ObjectId& id) {
    for (auto& [name, ds] : datasets) {
      if (ds.annotations.count(id)) return &ds;
    }
    return nullptr;
  }

  // The driver a dataset is bound to (a driver this store knows), or null.
  const Json* driver_of(const DatasetRec& ds) const {
    auto it = ds.json.find("driver");
    if (it == ds.json.end() || !it->is_string()) return nullptr;
    auto d = drivers.find(it->get<std::string>());
    return d == drivers.end() ? nullptr : &d->second;
  }

  std::string recipe_of(const DatasetRec& ds) const {
    const Json* list = find_path(ds.json, "metadata.system.recipes");
    if (list && list->is_array() && !list->empty() && (*list)[0].is_string()) {
      return (*list)[0].get<std::string>();
    }
    return "";
  }

  Json dataset_output(const DatasetRec& ds) const {
    Json out = ds.json;
    out["annotated"] = ds.annotated_items;
    out["itemsCount"] = ds.items.size();
    out["annotationsCount"] = ds.annotations.size();
    return out;
  }

  Json annotation_output(const DatasetRec& ds, const ObjectId& id, const AnnotationRec& rec) const {
    if (rec.json) return *rec.json;
    const ItemRec& item = ds.items.at(rec.item);
    const std::string hex = id.hex();
    const std::string recipe = recipe_of(ds);
    return materialize_annotation(rec.gen, AnnotationContext{base, hex, item.json, recipe});
  }

  // --- mutations -------------------------------------------------------------------------
  void add_annotation(DatasetRec& ds, const ObjectId& id, AnnotationRec rec) {
    ItemRec& item = ds.items.at(rec.item);
    auto pos = std::lower_bound(item.annotations.begin(), item.annotations.end(), id);
    if (pos == item.annotations.end() || *pos != id) {
      if (item.annotations.empty()) ++ds.annotated_items;
      item.annotations.insert(pos, id);
    }
    ds.annotations.insert_or_assign(id, std::move(rec));
  }

  void remove_annotation(DatasetRec& ds, const ObjectId& id) {
    auto it = ds.annotations.find(id);
    if (it == ds.annotations.end()) return;
    auto item = ds.items.find(it->second.item);
    if (item != ds.items.end()) {
      auto& list = item->second.annotations;
      auto pos = std::lower_bound(list.begin(), list.end(), id);
      if (pos != list.end() && *pos == id) {
        list.erase(pos);
        if (list.empty()) --ds.annotated_items;
      }
    }
    ds.annotations.erase(it);
  }

  // Removes an item and its annotations; queues its bucket file when the driver allows it.
  void remove_item(DatasetRec& ds, std::map<ObjectId, ItemRec>::iterator it,
                   std::vector<FileRemoval>* removals) {
    for (const ObjectId& ann : it->second.annotations) ds.annotations.erase(ann);
    if (!it->second.annotations.empty()) --ds.annotated_items;
    const std::string filename = string_field(it->second.json, "filename");
    auto f = ds.by_filename.find(filename);
    if (f != ds.by_filename.end() && f->second == it->first) ds.by_filename.erase(f);
    if (const Json* driver = driver_of(ds); driver != nullptr && removals != nullptr &&
                                            bool_field(*driver, "allowExternalDelete", false)) {
      removals->push_back({*driver, ds.json["id"].get<std::string>(), filename});
    }
    ds.items.erase(it);
  }

  void apply_removals(const std::vector<FileRemoval>& removals) {
    if (storage == nullptr) return;
    for (const FileRemoval& r : removals) {
      std::lock_guard<std::mutex> key_lock(stripe(r.dataset_id, r.filename));
      {
        // An upload may have re-created the path meanwhile; its file must stay.
        std::shared_lock<std::shared_mutex> lock(mu);
        const DatasetRec* ds = dataset(r.dataset_id);
        if (ds != nullptr && ds->by_filename.count(r.filename)) continue;
      }
      (void)storage->remove(r.driver, r.filename);
    }
  }

  Result<Json> create_simple(Kind kind, const Json& body, const std::string& creator) {
    if (!body.is_object()) return invalid_argument("the body must be a JSON object");
    Json entity = body;
    entity.erase("id");
    entity["id"] = clock.next().hex();
    fill_generic(kind, entity, base, iso_now(), creator);
    (*simple(kind))[entity["id"].get<std::string>()] = entity;
    return entity;
  }
};

}  // namespace dlexport::emulator
