#include "tests/fakes/fake_platform.h"

#include <fmt/format.h>

#include <algorithm>

namespace dlexport::testing {

using http::testing::json_response;
using http::testing::url_path;
using http::testing::url_query;

namespace {

bool is_operator_object(const Json& cond) {
  return cond.is_object() && !cond.empty() && cond.begin().key().rfind('$', 0) == 0;
}

bool match_value(const Json* field, const Json& cond) {
  if (!is_operator_object(cond)) return field != nullptr && *field == cond;
  for (const auto& [op, arg] : cond.items()) {
    if (op == "$in" || op == "$nin") {
      bool any = false;
      if (field != nullptr && arg.is_array()) {
        for (const auto& a : arg) any = any || *field == a;
      }
      if ((op == "$in") != any) return false;
    } else if (op == "$eq") {
      if (field == nullptr || *field != arg) return false;
    } else if (op == "$ne") {
      if (field != nullptr && *field == arg) return false;
    } else if (op == "$gt") {
      if (field == nullptr || !(*field > arg)) return false;
    } else if (op == "$gte") {
      if (field == nullptr || !(*field >= arg)) return false;
    } else if (op == "$lt") {
      if (field == nullptr || !(*field < arg)) return false;
    } else if (op == "$lte") {
      if (field == nullptr || !(*field <= arg)) return false;
    } else if (op == "$exists") {
      if ((field != nullptr) != arg.get<bool>()) return false;
    } else {
      return false;
    }
  }
  return true;
}

http::Response error_response(int status, const std::string& message) {
  return json_response(status, Json{{"status", status}, {"message", message}});
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start < path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

}  // namespace

bool dql_match(const Json& entity, const Json& filter) {
  if (!filter.is_object()) return true;
  for (const auto& [key, value] : filter.items()) {
    if (key == "$and") {
      for (const auto& c : value) {
        if (!dql_match(entity, c)) return false;
      }
    } else if (key == "$or") {
      bool any = false;
      for (const auto& c : value) any = any || dql_match(entity, c);
      if (!any) return false;
    } else if (!match_value(dataloop::member_path(entity, key), value)) {
      return false;
    }
  }
  return true;
}

std::string FakePlatform::token() {
  return "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
         "eyJlbWFpbCI6InRlc3RlckBleGFtcGxlLmNvbSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln";
}

FakePlatform::FakePlatform() : http_(std::make_shared<http::testing::FakeHttpClient>()) {
  http_->set_handler([this](const http::Request& request) { return handle(request); });
}

std::string FakePlatform::next_id() {
  std::lock_guard<std::mutex> lock(mu_);
  return fmt::format("{:024x}", ++next_id_);
}

Json& FakePlatform::add_driver(const std::string& id, std::optional<bool> allow_external_delete,
                               const std::string& project_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Json driver = {{"id", id},
                 {"type", "s3"},
                 {"name", "bucket-" + id},
                 {"projectId", project_id},
                 {"bucketName", "bucket"},
                 {"path", "exports"}};
  if (allow_external_delete) driver["allowExternalDelete"] = *allow_external_delete;
  return drivers_[id] = std::move(driver);
}

void FakePlatform::remove_driver(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  drivers_.erase(id);
}

Json& FakePlatform::add_dataset(Json dataset) {
  std::string id = dataloop::string_field(dataset, "id");
  if (id.empty()) id = next_id();
  std::lock_guard<std::mutex> lock(mu_);
  dataset["id"] = id;
  if (!dataset.contains("createdAt")) {
    clock_ms_ += 1000;
    dataset["createdAt"] = fmt::format("2025-01-01T00:{:02}:{:02}.000Z", (clock_ms_ / 60000) % 60,
                                       (clock_ms_ / 1000) % 60);
  }
  if (!dataset.contains("metadata")) dataset["metadata"] = Json{{"system", Json::object()}};
  if (!dataset.contains("projects"))
    dataset["projects"] = Json::array({"6600000000000000000000a1"});
  return datasets_[id] = std::move(dataset);
}

Json& FakePlatform::add_item(const std::string& dataset_id, const std::string& filename) {
  const std::string id = next_id();
  std::lock_guard<std::mutex> lock(mu_);
  const auto slash = filename.rfind('/');
  std::string dir = slash == 0 ? "/" : filename.substr(0, slash);
  Json item = {{"id", id},
               {"datasetId", dataset_id},
               {"createdAt", "2025-01-01T10:00:00.000Z"},
               {"dir", dir},
               {"filename", filename},
               {"name", filename.substr(slash + 1)},
               {"type", "file"},
               {"hidden", false},
               {"metadata", Json{{"system", Json{{"mimetype", "image/jpeg"}, {"size", 10}}}}},
               {"annotationsCount", 0},
               {"annotated", false},
               {"creator", "tester@example.com"},
               {"updatedAt", "2025-01-01T10:00:00.000Z"},
               {"updatedBy", "tester@example.com"}};
  return items_[id] = std::move(item);
}

Json& FakePlatform::add_annotation(const std::string& item_id, const std::string& type) {
  const std::string id = next_id();
  std::lock_guard<std::mutex> lock(mu_);
  const Json& item = items_.at(item_id);
  Json coordinates = type == "point"   ? Json{{"x", 1}, {"y", 2}, {"z", 0}}
                     : type == "class" ? Json::array()
                                       : Json::array({Json{{"x", 1}, {"y", 2}, {"z", 0}},
                                                      Json{{"x", 30.5}, {"y", 40}, {"z", 0}}});
  Json annotation = {{"id", id},
                     {"datasetId", item["datasetId"]},
                     {"type", type},
                     {"label", "car"},
                     {"attributes", Json::array()},
                     {"metadata", Json{{"system", Json::object()}, {"user", Json::object()}}},
                     {"creator", "tester@example.com"},
                     {"createdAt", "2025-01-01T10:00:00.000Z"},
                     {"updatedBy", "tester@example.com"},
                     {"updatedAt", "2025-01-01T10:00:00.000Z"},
                     {"itemId", item_id},
                     {"source", "ui"},
                     {"coordinates", coordinates}};
  return annotations_[id] = std::move(annotation);
}

std::optional<Json> FakePlatform::dataset(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = datasets_.find(id);
  if (it == datasets_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> FakePlatform::datasets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Json> out;
  for (const auto& [id, d] : datasets_) out.push_back(d);
  return out;
}

std::vector<Json> FakePlatform::items_of(const std::string& dataset_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Json> out;
  for (const auto& [id, item] : items_) {
    if (item["datasetId"] == dataset_id) out.push_back(item);
  }
  return out;
}

std::optional<Json> FakePlatform::item(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = items_.find(id);
  if (it == items_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> FakePlatform::annotations_of(const std::string& item_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Json> out;
  for (const auto& [id, a] : annotations_) {
    if (a["itemId"] == item_id) out.push_back(a);
  }
  return out;
}

std::map<std::pair<std::string, std::string>, std::string> FakePlatform::bucket() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bucket_;
}

int FakePlatform::count(const std::string& route_name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(route_name);
  return it == counts_.end() ? 0 : it->second;
}

int FakePlatform::total_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  int total = 0;
  for (const auto& [route_name, n] : counts_) total += n;
  return total;
}

void FakePlatform::reset_counts() {
  std::lock_guard<std::mutex> lock(mu_);
  counts_.clear();
}

void FakePlatform::fail_route(const std::string& route_name, int status,
                              const std::string& url_part) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back({route_name, status, url_part});
}

void FakePlatform::clear_faults() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

void FakePlatform::set_hook(Hook hook) {
  std::lock_guard<std::mutex> lock(mu_);
  hook_ = std::move(hook);
}

std::unique_ptr<dataloop::Client> FakePlatform::make_client(
    std::size_t annotation_batch_size) const {
  dataloop::ClientOptions options;
  options.api_base_url = kBaseUrl;
  options.token = token();
  options.annotation_batch_size = annotation_batch_size;
  return std::make_unique<dataloop::Client>(options, http_);
}

Result<http::Response> FakePlatform::handle(const http::Request& request) {
  std::string path = url_path(request.url);
  constexpr std::string_view kPrefix = "/api/v1";
  if (path.rfind(kPrefix, 0) == 0) path = path.substr(kPrefix.size());
  const auto parts = split_path(path);
  // Route template: ids (24 hex) become {id}.
  std::string route_name = std::string(http::method_name(request.method)) + " ";
  for (const auto& p : parts) {
    const bool is_id =
        p.size() == 24 && p.find_first_not_of("0123456789abcdef") == std::string::npos;
    route_name += "/" + (is_id ? std::string("{id}") : p);
  }
  Hook hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_[route_name];
    hook = hook_;
    for (const auto& f : faults_) {
      if (f.route == route_name &&
          (f.url_part.empty() || request.url.find(f.url_part) != std::string::npos)) {
        return error_response(f.status, "injected fault");
      }
    }
  }
  if (hook) {
    if (auto answer = hook(request)) return std::move(*answer);
  }
  return route(request, route_name, parts);
}

Result<http::Response> FakePlatform::route(const http::Request& request,
                                           const std::string& route_name,
                                           const std::vector<std::string>& parts) {
  Json body;
  if (!request.body.empty()) body = Json::parse(request.body);
  std::lock_guard<std::mutex> lock(mu_);
  if (route_name == "GET /users/me") {
    return json_response(200, Json{{"id", "u1"}, {"email", "tester@example.com"}});
  }
  if (route_name == "GET /drivers/{id}") {
    auto it = drivers_.find(parts[1]);
    if (it == drivers_.end()) return error_response(404, "Driver not found");
    return json_response(200, it->second);
  }
  if (route_name == "POST /datasets/query") return json_response(200, dataset_query(body));
  if (route_name == "POST /datasets") {
    const std::string id = fmt::format("{:024x}", ++next_id_);
    clock_ms_ += 1000;
    Json dataset = {{"id", id},
                    {"name", body["name"]},
                    {"projects", body["projects"]},
                    {"driver", body.value("driver", "")},
                    {"createdAt", fmt::format("2025-01-01T00:{:02}:{:02}.000Z",
                                              (clock_ms_ / 60000) % 60, (clock_ms_ / 1000) % 60)},
                    {"metadata", Json{{"system", Json{{"recipes", Json::array()}}}}}};
    datasets_[id] = dataset;
    return json_response(200, dataset);
  }
  if (route_name == "GET /datasets/{id}" || route_name == "PATCH /datasets/{id}" ||
      route_name == "DELETE /datasets/{id}") {
    auto it = datasets_.find(parts[1]);
    if (it == datasets_.end()) return error_response(404, "Dataset not found");
    if (request.method == http::Method::kGet) return json_response(200, it->second);
    if (request.method == http::Method::kPatch) {
      if (url_query(request.url) == "system=true" && body.contains("metadata")) {
        it->second["metadata"] = body["metadata"];
      }
      return json_response(200, it->second);
    }
    for (auto item = items_.begin(); item != items_.end();) {
      if (item->second["datasetId"] == parts[1]) {
        item = items_.erase(item);
      } else {
        ++item;
      }
    }
    datasets_.erase(it);
    return json_response(200, Json());
  }
  if (route_name == "POST /datasets/{id}/query") {
    if (datasets_.count(parts[1]) == 0) return error_response(404, "Dataset not found");
    return json_response(200, entity_query(parts[1], body));
  }
  if (route_name == "POST /datasets/{id}/items") return upload(parts[1], request);
  if (route_name == "GET /items/{id}") {
    auto it = items_.find(parts[1]);
    if (it == items_.end()) return error_response(404, "Item not found");
    return json_response(200, it->second);
  }
  if (route_name == "DELETE /items/{id}") {
    if (items_.count(parts[1]) == 0) return error_response(404, "Item not found");
    delete_item_locked(parts[1]);
    return json_response(200, Json());
  }
  return error_response(404, "no route " + route_name);
}

Json FakePlatform::dataset_query(const Json& body) const {
  const bool system_space = body.value("systemSpace", false);
  std::vector<std::string> projects;
  if (const Json* p = dataloop::member_path(body, "context.projects"); p && p->is_array()) {
    for (const auto& x : *p) projects.push_back(x.get<std::string>());
  }
  Json matches = Json::array();
  for (const auto& [id, d] : datasets_) {
    const Json* sys = dataloop::member_path(d, "metadata.system");
    const bool system = sys != nullptr && dataloop::string_field(*sys, "scope") == "system";
    if (system && !system_space) continue;
    if (!projects.empty()) {
      bool in_project = false;
      for (const auto& p : d["projects"]) {
        in_project = in_project || std::find(projects.begin(), projects.end(), p) != projects.end();
      }
      if (!in_project) continue;
    }
    if (dql_match(d, body.value("filter", Json::object()))) matches.push_back(d);
  }
  const auto page = body.value("page", 0);
  const auto size = body.value("pageSize", 1000);
  Json items = Json::array();
  for (std::size_t i = static_cast<std::size_t>(page * size);
       i < matches.size() && i < static_cast<std::size_t>((page + 1) * size); ++i) {
    items.push_back(matches[i]);
  }
  const bool more = static_cast<std::size_t>((page + 1) * size) < matches.size();
  return Json{{"totalItemsCount", matches.size()},
              {"items", items},
              {"totalPagesCount", (matches.size() + static_cast<std::size_t>(size) - 1) /
                                      static_cast<std::size_t>(size)},
              {"hasNextPage", more}};
}

Json FakePlatform::entity_query(const std::string& dataset_id, const Json& body) {
  const std::string resource = body.value("resource", "items");
  const Json filter = body.value("filter", Json::object());
  std::vector<const Json*> matches;
  const auto& source = resource == "annotations" ? annotations_ : items_;
  for (const auto& [id, e] : source) {  // std::map: ascending id, as sort id ascending wants
    if (e["datasetId"] == dataset_id && dql_match(e, filter)) matches.push_back(&e);
  }
  if (body.value("delete", false)) {
    std::vector<std::string> ids;
    for (const Json* e : matches) ids.push_back((*e)["id"].get<std::string>());
    for (const auto& id : ids) delete_item_locked(id);
    return Json::object();
  }
  const auto size = static_cast<std::size_t>(body.value("pageSize", 1000));
  const auto page = static_cast<std::size_t>(body.value("page", 0));
  Json items = Json::array();
  for (std::size_t i = page * size; i < matches.size() && i < (page + 1) * size; ++i) {
    items.push_back(*matches[i]);
  }
  return Json{{"totalItemsCount", matches.size()},
              {"items", items},
              {"totalPagesCount", (matches.size() + size - 1) / size},
              {"hasNextPage", (page + 1) * size < matches.size()}};
}

http::Response FakePlatform::upload(const std::string& dataset_id, const http::Request& request) {
  auto ds = datasets_.find(dataset_id);
  if (ds == datasets_.end()) return error_response(404, "Dataset not found");
  std::string path, bytes;
  for (const auto& part : request.parts) {
    if (part.name == "path") path = part.data;
    if (part.name == "file") bytes = part.data;
  }
  std::string id;
  for (const auto& [item_id, item] : items_) {
    if (item["datasetId"] == dataset_id && item["filename"] == path) id = item_id;
  }
  if (id.empty()) id = fmt::format("{:024x}", ++next_id_);
  const auto slash = path.rfind('/');
  Json item = {{"id", id},
               {"datasetId", dataset_id},
               {"filename", path},
               {"dir", slash == 0 ? "/" : path.substr(0, slash)},
               {"name", path.substr(slash + 1)},
               {"type", "file"},
               {"hidden", false},
               {"metadata", Json{{"system", Json{{"size", bytes.size()}}}}}};
  items_[id] = item;
  const std::string driver = dataloop::string_field(ds->second, "driver");
  if (!driver.empty()) bucket_[{driver, path}] = bytes;
  return json_response(200, item);
}

void FakePlatform::delete_item_locked(const std::string& id) {
  auto it = items_.find(id);
  if (it == items_.end()) return;
  const std::string dataset_id = it->second["datasetId"].get<std::string>();
  const std::string path = it->second["filename"].get<std::string>();
  items_.erase(it);
  auto ds = datasets_.find(dataset_id);
  if (ds == datasets_.end()) return;
  const std::string driver = dataloop::string_field(ds->second, "driver");
  auto drv = drivers_.find(driver);
  // Like the platform: the bucket object goes only when the driver allows external delete.
  if (drv != drivers_.end() && drv->second.value("allowExternalDelete", false)) {
    bucket_.erase({driver, path});
  }
}

class NoSleepRetry::Sleeper final : public worker::Sleeper {
 public:
  explicit Sleeper(FakeClock& clock) : clock_(clock) {}
  void sleep_for(std::chrono::milliseconds delay) override { clock_.advance(delay); }

 private:
  FakeClock& clock_;
};

NoSleepRetry::NoSleepRetry(int max_attempts)
    : clock_(std::make_unique<FakeClock>()), sleeper_(std::make_unique<Sleeper>(*clock_)) {
  worker::RetryOptions options;
  options.max_attempts = max_attempts;
  options.base_delay = std::chrono::milliseconds(1);
  options.max_delay = std::chrono::milliseconds(2);
  policy_ = std::make_unique<worker::RetryPolicy>(options, *clock_, *sleeper_, [] { return 0.5; });
}

}  // namespace dlexport::testing
