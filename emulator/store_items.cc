// Store: uploads and deletions of items (WIRE.md §6, §7), with the bucket-file rules of §2.1.
#include "emulator/store_state.h"

namespace dlexport::emulator {
namespace {

// "/a//b/c.json" → "/a/b/c.json"; a leading '/' is added. '..' and '.' segments, control
// characters and a missing file name are rejected.
Result<std::string> normalise_path(std::string_view path) {
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return invalid_argument("path contains a control character");
  }
  if (path.empty() || path.back() == '/') {
    return invalid_argument("path '" + std::string(path) + "' does not name a file");
  }
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::string_view seg = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg == ".." || seg == ".") {
      return invalid_argument("path '" + std::string(path) + "' has a '" + std::string(seg) +
                              "' segment");
    }
    if (!seg.empty()) {
      out += '/';
      out += seg;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (out.empty()) return invalid_argument("path does not name a file");
  return out;
}

}  // namespace

Result<UploadResult> Store::upload(const UploadRequest& request) {
  DLX_ASSIGN_OR_RETURN(const std::string filename, normalise_path(request.path));
  if (request.user_metadata && !request.user_metadata->is_object()) {
    return invalid_argument("metadata must be a JSON object");
  }
  State& s = *state_;
  // Serialises uploads (and bucket deletions) of one path, so "last write wins" holds for the
  // bucket file and the item alike while other paths proceed in parallel.
  std::lock_guard<std::mutex> key_lock(s.stripe(request.dataset_id, filename));

  std::optional<Json> driver;
  {
    std::shared_lock<std::shared_mutex> lock(s.mu);
    const DatasetRec* ds = s.dataset(request.dataset_id);
    if (ds == nullptr) return not_found("dataset " + request.dataset_id + " does not exist");
    auto existing = ds->by_filename.find(filename);
    if (existing != ds->by_filename.end() && request.mode == UploadMode::kSkip) {
      return UploadResult{item_output(ds->items.at(existing->second)), "skip"};
    }
    if (const Json* d = s.driver_of(*ds)) driver = *d;
  }

  // The bucket write happens outside the store lock; the key lock keeps it ordered.
  if (driver && s.storage) {
    DLX_RETURN_IF_ERROR(s.storage->write(*driver, filename, request.content));
  }

  std::unique_lock<std::shared_mutex> lock(s.mu);
  ++s.version;
  DatasetRec* ds = s.dataset(request.dataset_id);
  if (ds == nullptr) return not_found("dataset " + request.dataset_id + " does not exist");
  const std::string now = iso_now();
  std::string dir, name;
  split_filename(filename, &dir, &name);
  const std::string mimetype = request.mimetype.empty() ? guess_mimetype(name) : request.mimetype;

  auto merge_user_metadata = [&](Json& metadata) {
    if (!request.user_metadata) return;
    for (auto it = request.user_metadata->begin(); it != request.user_metadata->end(); ++it) {
      if (it.key() != "system") metadata[it.key()] = it.value();
    }
  };

  if (auto existing = ds->by_filename.find(filename); existing != ds->by_filename.end()) {
    ItemRec& rec = ds->items.at(existing->second);
    rec.content = request.content;
    if (!rec.json["metadata"].is_object()) rec.json["metadata"] = Json::object();
    if (!rec.json["metadata"]["system"].is_object())
      rec.json["metadata"]["system"] = Json::object();
    Json& system = rec.json["metadata"]["system"];
    system["size"] = request.content.size();
    system["mimetype"] = mimetype;
    merge_user_metadata(rec.json["metadata"]);
    rec.json["updatedAt"] = now;
    if (!request.creator.empty()) rec.json["updatedBy"] = request.creator;
    if (request.description) rec.json["description"] = *request.description;
    return UploadResult{item_output(rec), "overwrite"};
  }

  const ObjectId id = s.clock.next();
  Json item = Json::object();
  item["id"] = id.hex();
  item["createdAt"] = now;
  item["filename"] = filename;
  item["metadata"] = Json{{"system",
                           {{"originalname", name},
                            {"size", request.content.size()},
                            {"encoding", "7bit"},
                            {"mimetype", mimetype},
                            {"refs", Json::array()},
                            {"taskStatusLog", Json::array()},
                            {"isBinary", true},
                            {"exif", Json::object()}}}};
  merge_user_metadata(item["metadata"]);
  item["annotationsCount"] = 0;
  item["annotated"] = false;
  if (!request.creator.empty()) item["creator"] = request.creator;
  fill_item(item, ds->json, s.base, now);
  item = in_item_order(item);
  if (request.description) item["description"] = *request.description;

  ItemRec rec;
  rec.json = std::move(item);
  rec.refresh();
  rec.content = request.content;
  ds->by_filename[filename] = id;
  auto [it, inserted] = ds->items.emplace(id, std::move(rec));
  return UploadResult{item_output(it->second), "created"};
}

Status Store::delete_item(std::string_view id) {
  State& s = *state_;
  auto oid = ObjectId::parse(id);
  if (!oid) return not_found("item " + std::string(id) + " does not exist");
  std::vector<FileRemoval> removals;
  {
    std::unique_lock<std::shared_mutex> lock(s.mu);
    ++s.version;
    DatasetRec* ds = s.dataset_of_item(*oid);
    if (ds == nullptr) return not_found("item " + std::string(id) + " does not exist");
    s.remove_item(*ds, ds->items.find(*oid), &removals);
  }
  s.apply_removals(removals);
  return Status::ok();
}

Result<std::int64_t> Store::delete_by_query(std::string_view dataset_id, const Json& body) {
  if (!body.is_object()) return invalid_argument("the query body must be a JSON object");
  if (string_field(body, "resource", "items") != "items") {
    return invalid_argument("delete queries support resource 'items' only");
  }
  DLX_ASSIGN_OR_RETURN(Filter filter, Filter::compile(body.value("filter", Json::object())));
  State& s = *state_;
  std::vector<FileRemoval> removals;
  std::int64_t deleted = 0;
  {
    std::unique_lock<std::shared_mutex> lock(s.mu);
    ++s.version;
    DatasetRec* ds = s.dataset(dataset_id);
    if (ds == nullptr) return not_found("dataset " + std::string(dataset_id) + " does not exist");
    for (auto it = ds->items.begin(); it != ds->items.end();) {
      auto next = std::next(it);
      if (filter.matches(ItemDocument(it->second))) {
        s.remove_item(*ds, it, &removals);
        ++deleted;
      }
      it = next;
    }
  }
  s.apply_removals(removals);
  return deleted;
}

}  // namespace dlexport::emulator
