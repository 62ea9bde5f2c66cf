#include "dataloop/client.h"

#include <fstream>
#include <sstream>
#include <unordered_set>
#include <utility>

#include "common/redact.h"
#include "dataloop/errors.h"
#include "dataloop/jwt.h"
#include "dataloop/upload_answer.h"

namespace dlexport::dataloop {

struct Client::TokenState {
  std::string token;
  std::optional<Clock::TimePoint> expires_at;
  bool decodable = false;
  std::string email;
  std::string refresh_token;
};

namespace {

bool is_success(int status) { return status >= 200 && status < 300; }

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// Big integers survive (common/json.h): items and annotations go into export files byte for byte.
Result<Json> parse_json_body(const http::Response& response, const std::string& context) {
  if (response.body.empty()) return Json();
  auto json = parse_json(response.body, context + ": answer is not JSON");
  if (!json) return internal_error(json.error().message());
  return json;
}

// Moves the entries out of the envelope: a page is up to 1000 entities (megabytes of JSON), and
// a deep copy of it cost as much as parsing it.
Result<std::vector<Json>> page_items(Json& envelope, const std::string& context) {
  if (!envelope.is_object()) return internal_error(context + ": paged answer is not an object");
  auto items = envelope.find("items");
  if (items == envelope.end() || !items->is_array()) {
    return internal_error(context + ": paged answer has no \"items\" array");
  }
  return std::move(items->get_ref<Json::array_t&>());
}

bool has_next_page(const Json& envelope) {
  const Json* next = member(envelope, "hasNextPage");
  return next != nullptr && next->is_boolean() && next->get<bool>();
}

}  // namespace

std::string derive_gate_url(const std::string& api_base_url) {
  const auto scheme = api_base_url.find("://");
  if (scheme == std::string::npos) return api_base_url;
  const auto path = api_base_url.find('/', scheme + 3);
  return path == std::string::npos ? api_base_url : api_base_url.substr(0, path);
}

// --- construction and auth --------------------------------------------------------------------

Client::Client(ClientOptions options, http::HttpClientPtr http, Clock& clock)
    : options_(std::move(options)),
      http_(std::move(http)),
      clock_(clock),
      token_(std::make_unique<TokenState>()) {
  while (!options_.api_base_url.empty() && options_.api_base_url.back() == '/') {
    options_.api_base_url.pop_back();
  }
  if (options_.gate_url.empty()) options_.gate_url = derive_gate_url(options_.api_base_url);
  while (!options_.gate_url.empty() && options_.gate_url.back() == '/')
    options_.gate_url.pop_back();
  if (options_.annotation_batch_size == 0) options_.annotation_batch_size = 1;
  if (options_.page_size <= 0) options_.page_size = 1000;
  token_->token = options_.token;
  token_->refresh_token = options_.refresh_token;
  if (!token_->token.empty()) {
    if (auto claims = decode_jwt_claims(token_->token)) {
      token_->decodable = true;
      token_->expires_at = claims->expires_at;
      token_->email = claims->email;
    }
  }
}

Client::~Client() = default;

std::vector<std::string> Client::secrets_locked() const {
  return {token_->token,          token_->refresh_token, options_.token,
          options_.refresh_token, options_.password,     options_.jwt_proxy_secret};
}

std::vector<std::string> Client::secrets() const {
  std::lock_guard<std::mutex> lock(token_mu_);
  return secrets_locked();
}

Status Client::error_from(const http::Response& response, const std::string& context) const {
  return status_from_response(response, context, clock_.now(), secrets());
}

bool Client::expiring_locked() const {
  if (token_->token.empty() || !token_->decodable) return true;
  if (!token_->expires_at) return false;  // a JWT without exp does not expire
  return clock_.now() >= *token_->expires_at - options_.refresh_margin;
}

Status Client::adopt_token_locked(std::string token, std::string source) const {
  token = trim(std::move(token));
  if (token.empty()) return unavailable(source + ": no token");
  auto claims = decode_jwt_claims(token);
  if (!claims) return claims.status().annotate(source);
  if (claims->expires_at && clock_.now() >= *claims->expires_at - options_.refresh_margin) {
    return {StatusCode::kUnauthenticated, source + ": token is already expired"};
  }
  token_->token = std::move(token);
  token_->decodable = true;
  token_->expires_at = claims->expires_at;
  if (!claims->email.empty()) token_->email = claims->email;
  return Status::ok();
}

Result<std::string> Client::fetch_token_from_gate(const Json& body, const std::string& what) const {
  http::Request request;
  request.method = http::Method::kPost;
  request.url = options_.gate_url + "/token?default";
  request.endpoint = "POST /token";
  request.headers.set("Content-Type", "application/json");
  request.body = body.dump();
  request.connect_timeout = options_.connect_timeout;
  request.total_timeout = options_.request_timeout;
  const std::string context = what + " (POST /token?default)";
  DLX_ASSIGN_OR_RETURN(http::Response response, http_->send(request));
  if (!is_success(response.status)) {
    return status_from_response(response, context, clock_.now(), secrets_locked());
  }
  DLX_ASSIGN_OR_RETURN(Json json, parse_json_body(response, context));
  const std::string id_token = string_field(json, "id_token");
  if (id_token.empty()) return internal_error(context + ": answer has no id_token");
  if (std::string refresh = string_field(json, "refresh_token"); !refresh.empty()) {
    token_->refresh_token = std::move(refresh);
  }
  return id_token;
}

Status Client::renew_locked() const {
  std::vector<std::string> failures;
  if (!options_.token_file.empty()) {
    std::ifstream in(options_.token_file);
    if (!in) {
      failures.push_back("token file " + options_.token_file + ": cannot be read");
    } else {
      std::stringstream text;
      text << in.rdbuf();
      Status adopted = adopt_token_locked(text.str(), "token file " + options_.token_file);
      if (adopted.is_ok()) return adopted;
      failures.push_back(adopted.message());
    }
  }
  if (!options_.jwt_proxy_url.empty()) {
    http::Request request;
    request.url = options_.jwt_proxy_url;
    request.endpoint = "GET /get_jwt";
    request.connect_timeout = options_.connect_timeout;
    request.total_timeout = options_.request_timeout;
    if (!options_.jwt_proxy_secret.empty()) {
      request.headers.set("X-Get-Jwt-Secret", options_.jwt_proxy_secret);
    }
    auto response = http_->send(request);
    if (!response) {
      failures.push_back("jwt proxy: " + response.status().message());
    } else if (!is_success(response->status)) {
      failures.push_back(
          status_from_response(*response, "jwt proxy", clock_.now(), secrets_locked()).message());
    } else {
      auto json = parse_json_body(*response, "jwt proxy");
      Status adopted =
          json ? adopt_token_locked(string_field(*json, "jwt"), "jwt proxy") : json.status();
      if (adopted.is_ok()) return adopted;
      failures.push_back(adopted.message());
    }
  }
  if (!token_->refresh_token.empty()) {
    auto token = fetch_token_from_gate(
        Json{{"type", "refresh_token"}, {"refresh_token", token_->refresh_token}}, "refresh token");
    Status adopted =
        token ? adopt_token_locked(std::move(token).value(), "refresh token") : token.status();
    if (adopted.is_ok()) return adopted;
    failures.push_back(adopted.message());
  }
  if (!options_.username.empty() && !options_.password.empty()) {
    auto token = fetch_token_from_gate(Json{{"username", options_.username},
                                            {"password", options_.password},
                                            {"type", "user_credentials"}},
                                       "user credentials login");
    Status adopted = token ? adopt_token_locked(std::move(token).value(), "user credentials login")
                           : token.status();
    if (adopted.is_ok()) return adopted;
    failures.push_back(adopted.message());
  }
  std::string message =
      token_->token.empty()
          ? "no token configured"
          : (token_->decodable ? "token expires within the refresh margin" : "token is not a JWT");
  if (failures.empty()) {
    message += " and no renewal source (token file, jwt proxy, refresh token, credentials) is set";
  } else {
    message += "; renewal failed: ";
    for (std::size_t i = 0; i < failures.size(); ++i) {
      if (i > 0) message += "; ";
      message += failures[i];
    }
  }
  return {StatusCode::kUnauthenticated, redact(message, secrets_locked())};
}

Result<std::string> Client::bearer() const {
  std::lock_guard<std::mutex> lock(token_mu_);
  if (expiring_locked()) DLX_RETURN_IF_ERROR(renew_locked());
  return token_->token;
}

std::string Client::email() const {
  std::lock_guard<std::mutex> lock(token_mu_);
  return token_->email;
}

Result<User> Client::connect() {
  DLX_ASSIGN_OR_RETURN(Json json, call(http::Method::kGet, "/users/me", nullptr, "GET /users/me"));
  User user;
  user.id = string_field(json, "id");
  user.email = string_field(json, "email");
  user.raw = std::move(json);
  std::lock_guard<std::mutex> lock(token_mu_);
  if (token_->email.empty()) token_->email = user.email;
  return user;
}

// --- transport --------------------------------------------------------------------------------

Status Client::authorize(http::Request& request, const std::string& endpoint) const {
  DLX_ASSIGN_OR_RETURN(std::string token, bearer());
  request.headers.set("authorization", "Bearer " + token);
  request.endpoint = endpoint;
  return Status::ok();
}

Status Client::transport_error(http::Method method, const std::string& endpoint,
                               const Status& error) const {
  return Status(error.code(), redact(std::string(http::method_name(method)) + " " + endpoint +
                                         ": " + error.message(),
                                     secrets()));
}

Result<http::Response> Client::send_authorized(http::Request request,
                                               const std::string& endpoint) const {
  DLX_RETURN_IF_ERROR(authorize(request, endpoint));
  auto response = http_->send(request);
  if (!response) return transport_error(request.method, endpoint, response.error());
  return response;
}

Result<http::Response> Client::exchange(http::Method method, const std::string& path_and_query,
                                        const Json* body, const std::string& endpoint) const {
  http::Request request;
  request.method = method;
  request.url = options_.api_base_url + path_and_query;
  request.connect_timeout = options_.connect_timeout;
  request.total_timeout = options_.request_timeout;
  request.headers.set("Accept", "application/json");
  if (body != nullptr) {
    request.headers.set("Content-Type", "application/json");
    request.body = body->dump();
  }
  DLX_ASSIGN_OR_RETURN(http::Response response, send_authorized(std::move(request), endpoint));
  if (!is_success(response.status)) {
    return error_from(response, std::string(http::method_name(method)) + " " + path_and_query);
  }
  return response;
}

Result<Json> Client::call(http::Method method, const std::string& path_and_query, const Json* body,
                          const std::string& endpoint) const {
  DLX_ASSIGN_OR_RETURN(http::Response response, exchange(method, path_and_query, body, endpoint));
  auto json =
      parse_json_body(response, std::string(http::method_name(method)) + " " + path_and_query);
  // Query pages are megabytes; the next one received on this thread reuses this buffer.
  http::recycle_body(std::move(response.body));
  return json;
}

Result<std::shared_ptr<const JsonDoc>> Client::call_doc(http::Method method,
                                                        const std::string& path_and_query,
                                                        const Json* body,
                                                        const std::string& endpoint) const {
  DLX_ASSIGN_OR_RETURN(http::Response response, exchange(method, path_and_query, body, endpoint));
  const std::string context = std::string(http::method_name(method)) + " " + path_and_query;
  if (response.body.empty()) return JsonDoc::from_json(Json());
  auto doc = JsonDoc::parse(std::move(response.body), context + ": answer is not JSON");
  if (!doc) return internal_error(doc.error().message());
  return doc;
}

// --- paging -----------------------------------------------------------------------------------

Result<std::vector<Json>> PageIterator::next() {
  if (done_) return std::vector<Json>{};
  Json body = keyset_query_body(with_id_after(filter_, last_id_), page_size_, resource_);
  const std::string context = "POST " + path_;
  DLX_ASSIGN_OR_RETURN(Json envelope, client_->call(http::Method::kPost, path_, &body, endpoint_));
  DLX_ASSIGN_OR_RETURN(std::vector<Json> items, page_items(envelope, context));
  std::optional<std::int64_t> total;
  if (const Json* t = member(envelope, "totalItemsCount"); t != nullptr && t->is_number_integer()) {
    total = t->get<std::int64_t>();
  }
  std::string last = items.empty() ? std::string() : string_field(items.back(), "id");
  DLX_RETURN_IF_ERROR(
      turn_page(items.size(), std::move(last), has_next_page(envelope), total, context));
  return items;
}

Result<PageIterator::DocPage> PageIterator::next_doc() {
  static const std::shared_ptr<const JsonDoc> kExhausted = JsonDoc::from_json(Json::array());
  if (done_) return DocPage{kExhausted, &kExhausted->root()};
  Json body = keyset_query_body(with_id_after(filter_, last_id_), page_size_, resource_);
  const std::string context = "POST " + path_;
  DLX_ASSIGN_OR_RETURN(std::shared_ptr<const JsonDoc> doc,
                       client_->call_doc(http::Method::kPost, path_, &body, endpoint_));
  const JsonNode& envelope = doc->root();
  if (!envelope.is_object()) return internal_error(context + ": paged answer is not an object");
  const JsonNode* items = envelope.find("items");
  if (items == nullptr || !items->is_array()) {
    return internal_error(context + ": paged answer has no \"items\" array");
  }
  std::optional<std::int64_t> total;
  if (const JsonNode* t = envelope.find("totalItemsCount"); t != nullptr && t->is_integer()) {
    total = t->type() == JsonNode::Type::kInt ? t->int_value()
                                              : static_cast<std::int64_t>(t->uint_value());
  }
  std::string last;
  if (!items->empty()) {
    const JsonNode* id = items->at(items->size() - 1).find("id");
    if (id != nullptr && id->is_string()) last = std::string(id->string());
  }
  const JsonNode* next = envelope.find("hasNextPage");
  DLX_RETURN_IF_ERROR(turn_page(items->size(), std::move(last),
                                next != nullptr && next->is_bool() && next->bool_value(), total,
                                context));
  return DocPage{std::move(doc), items};
}

Status PageIterator::turn_page(std::size_t entries, std::string last_id, bool has_next_page,
                               std::optional<std::int64_t> total, const std::string& context) {
  ++pages_;
  if (pages_ == 1 && total) total_ = *total;
  if (entries == 0) {
    done_ = true;
    return Status::ok();
  }
  if (last_id.empty()) return internal_error(context + ": a " + resource_ + " entry has no id");
  if (!last_id_.empty() && last_id <= last_id_) {
    return internal_error(context + ": keyset paging did not advance past id " + last_id_ +
                          " (server ignored the id condition or sort)");
  }
  last_id_ = std::move(last_id);
  if (!has_next_page) done_ = true;
  return Status::ok();
}

Result<std::vector<Item>> ItemPager::next() {
  DLX_ASSIGN_OR_RETURN(PageIterator::DocPage page, pages_.next_doc());
  std::vector<Item> items;
  items.reserve(page.entries->size());
  for (const JsonNode& entry : page.entries->children()) {
    DLX_ASSIGN_OR_RETURN(Item item, parse_item(JsonRef(page.doc, &entry)));
    items.push_back(std::move(item));
  }
  return items;
}

// --- drivers ----------------------------------------------------------------------------------

Result<Driver> Client::get_driver(const std::string& driver_id) const {
  DLX_ASSIGN_OR_RETURN(
      Json json, call(http::Method::kGet, "/drivers/" + driver_id, nullptr, "GET /drivers/{id}"));
  return parse_driver(json);
}

Result<std::vector<Driver>> Client::list_drivers(const std::string& project_id) const {
  const std::string path = "/drivers?projectId=" + http::url_encode(project_id);
  DLX_ASSIGN_OR_RETURN(Json json, call(http::Method::kGet, path, nullptr, "GET /drivers"));
  if (!json.is_array()) return internal_error("GET " + path + ": answer is not an array");
  std::vector<Driver> drivers;
  for (const auto& entry : json) {
    DLX_ASSIGN_OR_RETURN(Driver driver, parse_driver(entry));
    drivers.push_back(std::move(driver));
  }
  return drivers;
}

// --- datasets ---------------------------------------------------------------------------------

Result<std::vector<Dataset>> Client::query_datasets(const Json& filter,
                                                    const std::string& project_id,
                                                    bool system_space) const {
  std::vector<Dataset> datasets;
  std::unordered_set<std::string> seen;
  for (int page = 0;; ++page) {
    Json body = Json::object();
    body["filter"] = filter.is_null() ? Json::object() : filter;
    body["page"] = page;
    body["pageSize"] = options_.page_size;
    body["resource"] = "datasets";
    if (!project_id.empty()) body["context"] = Json{{"projects", Json::array({project_id})}};
    if (system_space) body["systemSpace"] = true;
    DLX_ASSIGN_OR_RETURN(
        Json envelope, call(http::Method::kPost, "/datasets/query", &body, "POST /datasets/query"));
    DLX_ASSIGN_OR_RETURN(std::vector<Json> items, page_items(envelope, "POST /datasets/query"));
    std::size_t fresh = 0;
    for (const auto& entry : items) {
      DLX_ASSIGN_OR_RETURN(Dataset dataset, parse_dataset(entry));
      if (seen.insert(dataset.id).second) {
        ++fresh;
        datasets.push_back(std::move(dataset));
      }
    }
    if (items.empty() || !has_next_page(envelope)) break;
    if (fresh == 0) {
      return internal_error("POST /datasets/query: page " + std::to_string(page) +
                            " repeated earlier results while claiming more pages");
    }
  }
  return datasets;
}

Result<Dataset> Client::get_dataset(const std::string& dataset_id) const {
  DLX_ASSIGN_OR_RETURN(Json json, call(http::Method::kGet, "/datasets/" + dataset_id, nullptr,
                                       "GET /datasets/{id}"));
  return parse_dataset(json);
}

Result<Dataset> Client::create_dataset(const std::string& name, const std::string& project_id,
                                       const std::string& driver_id) const {
  Json body = Json::object();
  body["name"] = name;
  body["projects"] = Json::array({project_id});
  body["createDefaultRecipe"] = true;
  if (!driver_id.empty()) body["driver"] = driver_id;
  DLX_ASSIGN_OR_RETURN(Json json, call(http::Method::kPost, "/datasets", &body, "POST /datasets"));
  return parse_dataset(json);
}

Status Client::patch_dataset_system(const Json& dataset) const {
  const std::string id = string_field(dataset, "id");
  if (id.empty()) return invalid_argument("patch_dataset_system: dataset JSON has no id");
  return call(http::Method::kPatch, "/datasets/" + id + "?system=true", &dataset,
              "PATCH /datasets/{id}")
      .status();
}

Status Client::delete_dataset(const std::string& dataset_id) const {
  return call(http::Method::kDelete, "/datasets/" + dataset_id, nullptr, "DELETE /datasets/{id}")
      .status();
}

// --- items ------------------------------------------------------------------------------------

Result<Item> Client::get_item(const std::string& item_id) const {
  DLX_ASSIGN_OR_RETURN(Json json,
                       call(http::Method::kGet, "/items/" + item_id, nullptr, "GET /items/{id}"));
  return parse_item(json);
}

ItemPager Client::query_items(const std::string& dataset_id, const ItemFilter& filter) const {
  return ItemPager(PageIterator(this, "/datasets/" + dataset_id + "/query",
                                item_filter_json(filter), options_.page_size, "items",
                                "POST /datasets/{id}/query items"));
}

Result<std::int64_t> Client::count_items(const std::string& dataset_id,
                                         const ItemFilter& filter) const {
  Json body = Json::object();
  body["filter"] = item_filter_json(filter);
  body["page"] = 0;
  body["pageSize"] = 1;
  body["resource"] = "items";
  const std::string path = "/datasets/" + dataset_id + "/query";
  DLX_ASSIGN_OR_RETURN(Json envelope,
                       call(http::Method::kPost, path, &body, "POST /datasets/{id}/query count"));
  const Json* total = member(envelope, "totalItemsCount");
  if (total == nullptr || !total->is_number_integer()) {
    return internal_error("POST " + path + ": answer has no integer totalItemsCount");
  }
  return total->get<std::int64_t>();
}

Status Client::delete_item(const std::string& item_id) const {
  return call(http::Method::kDelete, "/items/" + item_id, nullptr, "DELETE /items/{id}").status();
}

Status Client::delete_items_by_query(const std::string& dataset_id,
                                     const ItemFilter& filter) const {
  Json body = Json::object();
  body["filter"] = item_filter_json(filter);
  body["resource"] = "items";
  body["delete"] = true;
  return call(http::Method::kPost, "/datasets/" + dataset_id + "/query", &body,
              "POST /datasets/{id}/query delete")
      .status();
}

// --- annotations ------------------------------------------------------------------------------

Result<std::vector<Json>> Client::list_annotations(const std::string& dataset_id,
                                                   const std::string& item_id,
                                                   AnnotationTypes types) const {
  PageIterator pages(this, "/datasets/" + dataset_id + "/query",
                     annotation_filter_for_item(item_id, types), options_.page_size, "annotations",
                     "POST /datasets/{id}/query annotations");
  std::vector<Json> annotations;
  while (!pages.done()) {
    DLX_ASSIGN_OR_RETURN(std::vector<Json> page, pages.next());
    for (auto& annotation : page) annotations.push_back(std::move(annotation));
  }
  return annotations;
}

PageIterator Client::annotation_pages(const std::string& dataset_id,
                                      const std::vector<std::string>& item_ids,
                                      AnnotationTypes types) const {
  return PageIterator(this, "/datasets/" + dataset_id + "/query",
                      annotation_filter_for_items(item_ids, types), options_.page_size,
                      "annotations", "POST /datasets/{id}/query annotations");
}

Result<Client::AnnotationBatch> Client::list_annotation_nodes(
    const std::string& dataset_id, const std::vector<std::string>& item_ids,
    AnnotationTypes types) const {
  AnnotationBatch batch;
  std::vector<std::string> unique;
  for (const auto& id : item_ids) {
    if (batch.by_item.try_emplace(id).second) unique.push_back(id);
  }
  for (std::size_t start = 0; start < unique.size(); start += options_.annotation_batch_size) {
    const std::size_t end = std::min(unique.size(), start + options_.annotation_batch_size);
    const std::vector<std::string> chunk(unique.begin() + static_cast<std::ptrdiff_t>(start),
                                         unique.begin() + static_cast<std::ptrdiff_t>(end));
    PageIterator pages = annotation_pages(dataset_id, chunk, types);
    while (!pages.done()) {
      DLX_ASSIGN_OR_RETURN(PageIterator::DocPage page, pages.next_doc());
      for (const JsonNode& annotation : page.entries->children()) {
        // An annotation of an item we did not ask for would be a server bug; it belongs to no
        // requested export, so it is not attached anywhere.
        const JsonNode* item_id = annotation.find("itemId");
        if (item_id == nullptr || !item_id->is_string()) continue;
        auto it = batch.by_item.find(std::string(item_id->string()));
        if (it != batch.by_item.end()) it->second.push_back(&annotation);
      }
      if (!page.entries->empty()) batch.pages.push_back(std::move(page.doc));
    }
  }
  return batch;
}

Result<std::unordered_map<std::string, std::vector<Json>>> Client::list_annotations_batch(
    const std::string& dataset_id, const std::vector<std::string>& item_ids,
    AnnotationTypes types) const {
  DLX_ASSIGN_OR_RETURN(AnnotationBatch batch, list_annotation_nodes(dataset_id, item_ids, types));
  std::unordered_map<std::string, std::vector<Json>> by_item;
  for (const auto& [id, nodes] : batch.by_item) {
    std::vector<Json>& list = by_item[id];
    list.reserve(nodes.size());
    for (const JsonNode* node : nodes) list.push_back(to_json(*node));
  }
  return by_item;
}

// --- upload -----------------------------------------------------------------------------------

namespace {

constexpr const char* kUploadEndpoint = "POST /datasets/{id}/items";

}  // namespace

// What an upload sends, and what it needs to judge the answer.
struct Client::UploadCall {
  http::Request request;  // moved to the multiplexer by upload_async()
  std::string context;    // "POST /datasets/{id}/items?mode=... (/path)" for messages
  std::size_t size = 0;
};

Result<Client::UploadCall> Client::upload_call(const std::string& dataset_id,
                                               const std::string& remote_path,
                                               std::string_view bytes, UploadMode mode) const {
  std::string path = remote_path;
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  const std::string basename = path.substr(path.rfind('/') + 1);
  if (basename.empty()) {
    return invalid_argument("upload: remote path \"" + remote_path + "\" has no file name");
  }
  const char* mode_name = mode == UploadMode::kOverwrite ? "overwrite" : "skip";
  const std::string path_and_query = "/datasets/" + dataset_id + "/items?mode=" + mode_name;

  UploadCall call;
  call.size = bytes.size();
  call.context = "POST " + path_and_query + " (" + path + ")";
  http::Request& request = call.request;
  request.method = http::Method::kPost;
  request.url = options_.api_base_url + path_and_query;
  request.connect_timeout = options_.connect_timeout;
  request.total_timeout = options_.upload_timeout;
  request.headers.set("Accept", "application/json");
  // Field order matters: the gate requires the file part last.
  request.parts.reserve(3);
  request.parts.emplace_back("type", "", "text/plain; charset=utf-8", "file");
  request.parts.emplace_back("path", "", "text/plain; charset=utf-8", std::move(path));
  // Percent-encoded like the SDK's client does; the server takes the real path from `path`.
  // The file is borrowed, not copied: `bytes` outlives the exchange.
  request.parts.push_back(http::MultipartPart::borrowing("file", http::url_encode(basename),
                                                         "application/json", bytes));
  DLX_RETURN_IF_ERROR(authorize(request, kUploadEndpoint));
  return call;
}

Result<Item> Client::upload_result(const UploadCall& call, Result<http::Response> outcome) const {
  if (!outcome) return transport_error(http::Method::kPost, kUploadEndpoint, outcome.error());
  const http::Response& response = *outcome;
  if (!is_success(response.status)) return error_from(response, call.context);
  DLX_ASSIGN_OR_RETURN(Json json, parse_json_body(response, call.context));
  DLX_ASSIGN_OR_RETURN(Item item, parse_item(json));
  const Json* size = member_path(json, "metadata.system.size");
  if (size == nullptr || !size->is_number()) {
    return Status(StatusCode::kDataLoss, call.context + ": answer for item " + item.id +
                                             " has no metadata.system.size; sent " +
                                             std::to_string(call.size) + " bytes");
  }
  if (!size->is_number_integer() || size->get<std::int64_t>() < 0 ||
      static_cast<std::uint64_t>(size->get<std::int64_t>()) != call.size) {
    return Status(StatusCode::kDataLoss, call.context + ": item " + item.id + " stored " +
                                             size->dump() + " bytes, sent " +
                                             std::to_string(call.size));
  }
  return item;
}

Result<Item> Client::upload(const std::string& dataset_id, const std::string& remote_path,
                            std::string_view bytes, UploadMode mode) const {
  DLX_ASSIGN_OR_RETURN(UploadCall call, upload_call(dataset_id, remote_path, bytes, mode));
  return upload_result(call, http_->send(call.request));
}

Result<std::string> Client::upload_result_id(const UploadCall& call,
                                             Result<http::Response> outcome) const {
  if (outcome && is_success(outcome->status)) {
    if (auto id = quick_upload_answer(outcome->body, call.size)) return std::string(*id);
  }
  // Anything but the plain answer: the full reading, with its checks and its words.
  DLX_ASSIGN_OR_RETURN(Item item, upload_result(call, std::move(outcome)));
  return std::move(item.id);
}

void Client::upload_async(http::HttpMultiplexer& mux, const std::string& dataset_id,
                          const std::string& remote_path, std::string_view bytes, UploadMode mode,
                          std::function<void(Result<std::string>)> done) const {
  auto call = upload_call(dataset_id, remote_path, bytes, mode);
  if (!call) {
    done(call.error());
    return;
  }
  // The multiplexer owns the request while it runs; the context and size come along.
  auto shared = std::make_shared<UploadCall>(std::move(*call));
  http::Request request = std::move(shared->request);
  mux.start(std::move(request),
            [this, shared, done = std::move(done)](Result<http::Response> outcome) {
              done(upload_result_id(*shared, std::move(outcome)));
            });
}

std::unique_ptr<http::HttpMultiplexer> Client::multiplexer() const { return http_->multiplexer(); }

// --- events and commands ----------------------------------------------------------------------

Result<Json> Client::create_webhook(const WebhookSpec& spec) const {
  Json body = Json::object();
  body["name"] = spec.name;
  body["httpMethod"] = spec.http_method;
  body["hookUrl"] = spec.hook_url;
  body["project"] = spec.project_id;
  return call(http::Method::kPost, "/webhooks", &body, "POST /webhooks");
}

Result<Json> Client::create_trigger(const Json& trigger) const {
  return call(http::Method::kPost, "/triggers", &trigger, "POST /triggers");
}

Result<Command> Client::get_command(const std::string& command_id) const {
  DLX_ASSIGN_OR_RETURN(Json json, call(http::Method::kGet, "/commands/" + command_id, nullptr,
                                       "GET /commands/{id}"));
  return parse_command(json);
}

}  // namespace dlexport::dataloop
