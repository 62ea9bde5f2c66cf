// Store: DQL queries over datasets, items and annotations (WIRE.md §0.3, §3.1, §4.4, §5.1).
#include "emulator/store_state.h"

namespace dlexport::emulator {
namespace {

QueryPage finish(const PageSpec& page, std::int64_t total) {
  QueryPage out;
  out.total_items = total;
  out.total_pages = (total + page.page_size - 1) / page.page_size;
  out.has_next_page = total > (page.page + 1) * page.page_size;
  return out;
}

}  // namespace

// A Document over a stored annotation that answers id/itemId/type/datasetId/label without
// building the JSON of generated annotations.
class AnnotationDocument : public Document {
 public:
  AnnotationDocument(const Store::State& s, const DatasetRec& ds, const ObjectId& id,
                     const AnnotationRec& rec)
      : s_(s), ds_(ds), id_(id), rec_(rec) {}

  const Json* field(const FieldPath& path) const override {
    if (rec_.json) return find_path(*rec_.json, path);
    if (path.parts.size() == 1) {
      const std::string& name = path.full;
      if (name == "id") return &(scratch_ = id_.hex());
      if (name == "itemId") return &(scratch_ = rec_.item.hex());
      if (name == "type") return &type_names()[rec_.gen.type % type_names().size()];
      if (name == "datasetId") return &ds_.json["id"];
      if (name == "label") return &(scratch_ = std::string(generated_label(rec_.gen)));
    }
    if (!full_) full_ = s_.annotation_output(ds_, id_, rec_);
    return find_path(*full_, path);
  }

 private:
  const Store::State& s_;
  const DatasetRec& ds_;
  const ObjectId& id_;
  const AnnotationRec& rec_;
  mutable Json scratch_;
  mutable std::optional<Json> full_;
};

namespace {

// Removes the keyset condition {"id": {"$gt"|"$gte": "<id>"}} from a top-level $and, so the
// rest of the filter can be cached and the bound applied by binary search.
Json strip_keyset(const Json& filter, std::optional<Filter::IdBound>* bound) {
  if (!filter.is_object()) return filter;
  auto conds = filter.find("$and");
  if (conds == filter.end() || !conds->is_array()) return filter;
  Json out = filter;
  Json& list = out["$and"];
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (!it->is_object() || it->size() != 1 || !it->contains("id")) continue;
    const Json& cond = (*it)["id"];
    if (!cond.is_object() || cond.size() != 1) continue;
    auto op = cond.begin();
    if ((op.key() != "$gt" && op.key() != "$gte") || !op->is_string() ||
        !is_lower_hex_id(op->get_ref<const std::string&>())) {
      continue;
    }
    *bound = Filter::IdBound{op->get<std::string>(), op.key() == "$gte"};
    list.erase(it);
    break;
  }
  return out;
}

}  // namespace

// Ids (ascending) of the entities of `resource` in `ds` that match `filter`.
static std::vector<ObjectId> scan_matches(const Store::State& s, const DatasetRec& ds,
                                          const std::string& resource, const Filter& filter) {
  std::vector<ObjectId> out;
  if (resource == "items") {
    for (const auto& [id, rec] : ds.items) {
      if (filter.matches(ItemDocument(rec))) out.push_back(id);
    }
    return out;
  }
  if (const auto& item_ids = filter.item_ids()) {
    std::vector<ObjectId> candidates;
    for (const std::string& item_id : *item_ids) {
      auto oid = ObjectId::parse(item_id);
      if (!oid) continue;
      auto item = ds.items.find(*oid);
      if (item == ds.items.end()) continue;
      candidates.insert(candidates.end(), item->second.annotations.begin(),
                        item->second.annotations.end());
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (const ObjectId& a : candidates) {
      const AnnotationRec& rec = ds.annotations.at(a);
      if (filter.matches(AnnotationDocument(s, ds, a, rec))) out.push_back(a);
    }
    return out;
  }
  for (const auto& [id, rec] : ds.annotations) {
    if (filter.matches(AnnotationDocument(s, ds, id, rec))) out.push_back(id);
  }
  return out;
}

Result<QueryPage> Store::query(std::string_view dataset_id, const Json& body) const {
  if (!body.is_object()) return invalid_argument("the query body must be a JSON object");
  const std::string resource = string_field(body, "resource", "items");
  if (resource != "items" && resource != "annotations") {
    return invalid_argument("unsupported query resource '" + resource + "'");
  }
  const Json filter_json = body.value("filter", Json::object());
  DLX_ASSIGN_OR_RETURN(Filter filter, Filter::compile(filter_json));
  DLX_ASSIGN_OR_RETURN(SortSpec sort, parse_sort(body));
  DLX_ASSIGN_OR_RETURN(PageSpec page, parse_page(body));

  std::shared_lock<std::shared_mutex> lock(state_->mu);
  const State& s = *state_;
  const DatasetRec* ds = s.dataset(dataset_id);
  if (ds == nullptr) return not_found("dataset " + std::string(dataset_id) + " does not exist");
  const std::int64_t skip = page.page * page.page_size;
  std::vector<ObjectId> picked;
  std::int64_t total = 0;

  if (sort.field.full == "id") {
    std::optional<Filter::IdBound> bound;
    const Json stripped = strip_keyset(filter_json, &bound);
    std::string key = std::string(dataset_id) + '\x1f' + resource + '\x1f' + stripped.dump();
    auto ids = state_->cached(key);
    if (ids == nullptr) {
      DLX_ASSIGN_OR_RETURN(Filter rest, Filter::compile(stripped));
      ids = std::make_shared<const std::vector<ObjectId>>(scan_matches(s, *ds, resource, rest));
      state_->remember(std::move(key), ids);
    }
    auto first = ids->begin();
    if (bound) {
      const ObjectId b = *ObjectId::parse(bound->id);
      first = bound->inclusive ? std::lower_bound(ids->begin(), ids->end(), b)
                               : std::upper_bound(ids->begin(), ids->end(), b);
    }
    total = ids->end() - first;
    for (std::int64_t i = skip; i < total && i < skip + page.page_size; ++i) {
      picked.push_back(sort.descending ? *(ids->end() - 1 - i) : *(first + i));
    }
  } else {
    // Other sorts: every match with its sort value, then an ordinary sort (small datasets).
    std::vector<std::pair<Json, ObjectId>> keyed;
    auto keep = [&](const ObjectId& id, const Document& doc) {
      if (!filter.matches(doc)) return;
      const Json* v = doc.field(sort.field);
      keyed.emplace_back(v ? *v : Json(), id);
    };
    if (resource == "items") {
      for (const auto& [id, rec] : ds->items) keep(id, ItemDocument(rec));
    } else {
      for (const auto& [id, rec] : ds->annotations) keep(id, AnnotationDocument(s, *ds, id, rec));
    }
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
      int c = compare_values(&a.first, &b.first);
      if (c == 0) return a.second < b.second;
      return sort.descending ? c > 0 : c < 0;
    });
    total = static_cast<std::int64_t>(keyed.size());
    for (std::int64_t i = skip; i < total && i < skip + page.page_size; ++i) {
      picked.push_back(keyed[static_cast<std::size_t>(i)].second);
    }
  }

  QueryPage out = finish(page, total);
  out.items.reserve(picked.size());
  for (const ObjectId& id : picked) {
    if (resource == "items") {
      out.items.push_back(item_output(ds->items.at(id)));
    } else {
      out.items.push_back(s.annotation_output(*ds, id, ds->annotations.at(id)));
    }
  }
  return out;
}

Result<QueryPage> Store::query_datasets(const Json& body) const {
  if (!body.is_object()) return invalid_argument("the query body must be a JSON object");
  DLX_ASSIGN_OR_RETURN(Filter filter, Filter::compile(body.value("filter", Json::object())));
  DLX_ASSIGN_OR_RETURN(SortSpec sort, parse_sort(body));
  DLX_ASSIGN_OR_RETURN(PageSpec page, parse_page(body));
  const bool system_space = bool_field(body, "systemSpace", false);
  std::vector<std::string> projects;
  if (const Json* p = find_path(body, "context.projects"); p != nullptr && p->is_array()) {
    for (const Json& id : *p) {
      if (id.is_string()) projects.push_back(id.get<std::string>());
    }
  }

  std::shared_lock<std::shared_mutex> lock(state_->mu);
  std::vector<Json> matches;
  for (const auto& [id, ds] : state_->datasets) {
    Json json = state_->dataset_output(ds);
    const Json* scope = find_path(json, "metadata.system.scope");
    if (!system_space && scope != nullptr && *scope == "system") continue;
    if (!projects.empty()) {
      const Json& in = json["projects"];
      bool member = in.is_array() && std::any_of(in.begin(), in.end(), [&](const Json& p) {
                      return p.is_string() && std::find(projects.begin(), projects.end(),
                                                        p.get<std::string>()) != projects.end();
                    });
      if (!member) continue;
    }
    if (filter.matches(JsonDocument(json))) matches.push_back(std::move(json));
  }
  std::stable_sort(matches.begin(), matches.end(), [&](const Json& a, const Json& b) {
    int c = compare_values(find_path(a, sort.field), find_path(b, sort.field));
    return sort.descending ? c > 0 : c < 0;
  });
  const auto total = static_cast<std::int64_t>(matches.size());
  QueryPage out = finish(page, total);
  for (std::int64_t i = page.page * page.page_size;
       i < total && i < (page.page + 1) * page.page_size; ++i) {
    out.items.push_back(std::move(matches[static_cast<std::size_t>(i)]));
  }
  return out;
}

}  // namespace dlexport::emulator
