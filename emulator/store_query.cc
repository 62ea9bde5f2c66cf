// Store: DQL queries over datasets, items and annotations (WIRE.md §0.3, §3.1, §4.4, §5.1).
#include "emulator/store_state.h"

namespace dlexport::emulator {
namespace {

// Counts matches in scan order and keeps those that fall on the requested page.
struct PageCollector {
  std::int64_t skip = 0;
  std::int64_t size = 0;
  std::int64_t total = 0;
  std::vector<ObjectId> picked;

  void offer(const ObjectId& id) {
    if (total >= skip && total < skip + size) picked.push_back(id);
    ++total;
  }
};

QueryPage finish(const PageSpec& page, std::int64_t total) {
  QueryPage out;
  out.total_items = total;
  out.total_pages = (total + page.page_size - 1) / page.page_size;
  out.has_next_page = total > (page.page + 1) * page.page_size;
  return out;
}

// Where an id-ordered scan may start, when the filter's keyset bound allows skipping ahead.
std::optional<std::pair<ObjectId, bool>> scan_start(const Filter& filter) {
  const auto& bound = filter.id_lower_bound();
  if (!bound || !is_lower_hex_id(bound->id)) return std::nullopt;
  return std::make_pair(*ObjectId::parse(bound->id), bound->inclusive);
}

bool below_start(const ObjectId& id, const std::optional<std::pair<ObjectId, bool>>& start) {
  if (!start) return false;
  return start->second ? id < start->first : id <= start->first;
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

Result<QueryPage> Store::query(std::string_view dataset_id, const Json& body) const {
  if (!body.is_object()) return invalid_argument("the query body must be a JSON object");
  std::string resource = string_field(body, "resource", "items");
  if (resource != "items" && resource != "annotations") {
    return invalid_argument("unsupported query resource '" + resource + "'");
  }
  DLX_ASSIGN_OR_RETURN(Filter filter, Filter::compile(body.value("filter", Json::object())));
  DLX_ASSIGN_OR_RETURN(SortSpec sort, parse_sort(body));
  DLX_ASSIGN_OR_RETURN(PageSpec page, parse_page(body));

  std::shared_lock<std::shared_mutex> lock(state_->mu);
  const State& s = *state_;
  const DatasetRec* ds = s.dataset(dataset_id);
  if (ds == nullptr) return not_found("dataset " + std::string(dataset_id) + " does not exist");

  PageCollector pc{page.page * page.page_size, page.page_size, 0, {}};
  const bool by_id = sort.field.full == "id";
  const auto start = scan_start(filter);
  std::vector<std::pair<Json, ObjectId>> keyed;  // other sorts: (sort value, id) of each match

  auto consider = [&](const ObjectId& id, const Document& doc) {
    if (!filter.matches(doc)) return;
    if (by_id) {
      pc.offer(id);
    } else {
      const Json* v = doc.field(sort.field);
      keyed.emplace_back(v ? *v : Json(), id);
    }
  };

  if (resource == "items") {
    auto visit = [&](const std::pair<const ObjectId, ItemRec>& entry) {
      consider(entry.first, ItemDocument(entry.second));
    };
    if (by_id && sort.descending) {
      for (auto it = ds->items.rbegin(); it != ds->items.rend(); ++it) {
        if (below_start(it->first, start)) break;
        visit(*it);
      }
    } else {
      auto it = ds->items.begin();
      if (by_id && start) {
        it = start->second ? ds->items.lower_bound(start->first)
                           : ds->items.upper_bound(start->first);
      }
      for (; it != ds->items.end(); ++it) visit(*it);
    }
  } else {
    auto visit = [&](const ObjectId& id, const AnnotationRec& rec) {
      consider(id, AnnotationDocument(s, *ds, id, rec));
    };
    if (const auto& item_ids = filter.item_ids()) {
      std::vector<ObjectId> candidates;
      for (const std::string& item_id : *item_ids) {
        auto oid = ObjectId::parse(item_id);
        if (!oid) continue;
        auto item = ds->items.find(*oid);
        if (item == ds->items.end()) continue;
        for (const ObjectId& a : item->second.annotations) {
          if (!below_start(a, start)) candidates.push_back(a);
        }
      }
      std::sort(candidates.begin(), candidates.end());
      candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
      if (by_id && sort.descending) std::reverse(candidates.begin(), candidates.end());
      for (const ObjectId& a : candidates) visit(a, ds->annotations.at(a));
    } else if (by_id && sort.descending) {
      for (auto it = ds->annotations.rbegin(); it != ds->annotations.rend(); ++it) {
        if (below_start(it->first, start)) break;
        visit(it->first, it->second);
      }
    } else {
      auto it = ds->annotations.begin();
      if (by_id && start) {
        it = start->second ? ds->annotations.lower_bound(start->first)
                           : ds->annotations.upper_bound(start->first);
      }
      for (; it != ds->annotations.end(); ++it) visit(it->first, it->second);
    }
  }

  if (!by_id) {
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
      int c = compare_values(&a.first, &b.first);
      if (c == 0) return a.second < b.second;
      return sort.descending ? c > 0 : c < 0;
    });
    for (const auto& [value, id] : keyed) pc.offer(id);
  }

  QueryPage out = finish(page, pc.total);
  out.items.reserve(pc.picked.size());
  for (const ObjectId& id : pc.picked) {
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
