#pragma once
// dataloop::Client: the typed Dataloop REST client (WIRE.md). Every operation is one or a few
// HTTP exchanges through an injected http::HttpClient and returns Result<T>.
//
// Contract:
// - The client never sleeps and never retries; failures come back as Status values whose code
//   says whether a retry can help (errors.h). Workers wrap calls in worker::RetryPolicy.
// - Nothing is swallowed: a 400 on a paged query is an error, not an empty page.
// - Thread-safe: one Client is shared by all workers. Token renewal is serialised internally;
//   concurrent callers wait for one renewal instead of each starting their own.
// - Authentication (§1): the API key / JWT is the bearer token. connect() obtains a token if none
//   was given (token file, FaaS proxy, user credentials, refresh token — in that order), and
//   validates it once with GET /users/me. Before every call the token's `exp` (decoded locally,
//   no signature check) is checked against the injected Clock; within refresh_margin of expiry it
//   is renewed from, in order: the token file (re-read), the FaaS agent proxy (get_jwt), the
//   refresh token (POST {gate_url}/token?default), the user credentials. A 401 is returned as
//   kUnauthenticated and not retried.
// - Secrets (token, refresh token, password, proxy secret) never appear in a Status message.
//
// Paging: item and annotation queries use keyset paging on id (sort id ascending, page 0, then
// {"id": {"$gt": last}} appended to "$and"). A query stops when hasNextPage is false OR a page
// comes back empty, and fails with kInternal when the server's ids do not advance, so a broken
// server cannot make it loop forever.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/json_doc.h"
#include "common/result.h"
#include "dataloop/dql.h"
#include "dataloop/types.h"
#include "http/http_client.h"

namespace dlexport::dataloop {

struct ClientOptions {
  std::string api_base_url = "https://gate.dataloop.ai/api/v1";
  // scheme://host for the token endpoints; derived from api_base_url when empty.
  std::string gate_url;

  // Credentials. Any subset; see the renewal order above.
  std::string token;             // API key or JWT
  std::string token_file;        // a file holding the current JWT, re-read on renewal
  std::string jwt_proxy_url;     // e.g. http://localhost:1001/get_jwt (FaaS agent proxy)
  std::string jwt_proxy_secret;  // sent as X-Get-Jwt-Secret when set
  std::string refresh_token;
  std::string username, password;  // user credentials ("m2m") login

  std::chrono::seconds refresh_margin{60};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(120)};
  std::chrono::milliseconds upload_timeout{std::chrono::seconds(300)};

  int page_size = 1000;                     // the SDK's maximum
  std::size_t annotation_batch_size = 100;  // item ids per `itemId $in` query
};

enum class UploadMode { kOverwrite, kSkip };

struct WebhookSpec {
  std::string name;
  std::string http_method = "POST";
  std::string hook_url;
  std::string project_id;
};

class Client;

// Iterates the pages of a keyset-paged query; holds at most one page. Not thread-safe (one
// iterator per thread); the Client must outlive it.
class PageIterator {
 public:
  // The next page of raw entities; an empty vector means the query is exhausted.
  Result<std::vector<Json>> next();
  // The same page as a document: `entries` is its "items" array (empty: exhausted), a node of
  // `doc`. For pages whose entities are read once (annotations), this skips the Json DOM.
  struct DocPage {
    std::shared_ptr<const JsonDoc> doc;
    const JsonNode* entries = nullptr;
  };
  Result<DocPage> next_doc();
  bool done() const { return done_; }
  int pages_fetched() const { return pages_; }
  // totalItemsCount of the first page (0 before it).
  std::int64_t total_items() const { return total_; }

 private:
  friend class Client;
  PageIterator(const Client* client, std::string path, Json filter, int page_size,
               std::string resource, std::string endpoint)
      : client_(client),
        path_(std::move(path)),
        filter_(std::move(filter)),
        page_size_(page_size),
        resource_(std::move(resource)),
        endpoint_(std::move(endpoint)) {}

  // Books a fetched page: counts it, keeps the first page's totalItemsCount and moves the keyset
  // cursor past the page's last id ("" when the page is empty).
  Status turn_page(std::size_t entries, std::string last_id, bool has_next_page,
                   std::optional<std::int64_t> total, const std::string& context);

  const Client* client_;
  std::string path_;
  Json filter_;
  int page_size_;
  std::string resource_;
  std::string endpoint_;
  std::string last_id_;
  bool done_ = false;
  int pages_ = 0;
  std::int64_t total_ = 0;
};

// Items, one page at a time.
class ItemPager {
 public:
  // The next page; empty means exhausted.
  Result<std::vector<Item>> next();
  bool done() const { return pages_.done(); }
  int pages_fetched() const { return pages_.pages_fetched(); }
  // totalItemsCount of the first page (0 before it): the size of the listing, for progress.
  std::int64_t total_items() const { return pages_.total_items(); }

 private:
  friend class Client;
  explicit ItemPager(PageIterator pages) : pages_(std::move(pages)) {}
  PageIterator pages_;
};

class Client {
 public:
  Client(ClientOptions options, http::HttpClientPtr http, Clock& clock = system_clock());
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Obtains a token if needed and validates it with GET /users/me.
  Result<User> connect();
  // The email of the token's user ("" before connect or when the JWT has none).
  std::string email() const;

  // Drivers (§2).
  Result<Driver> get_driver(const std::string& driver_id) const;
  Result<std::vector<Driver>> list_drivers(const std::string& project_id) const;

  // Datasets (§3). `filter` is a whole DQL filter object ({} for none). Offset-paged.
  Result<std::vector<Dataset>> query_datasets(const Json& filter, const std::string& project_id,
                                              bool system_space) const;
  Result<Dataset> get_dataset(const std::string& dataset_id) const;
  Result<Dataset> create_dataset(const std::string& name, const std::string& project_id,
                                 const std::string& driver_id) const;
  // PATCH /datasets/{id}?system=true with the whole dataset object (§3.4).
  Status patch_dataset_system(const Json& dataset) const;
  Status delete_dataset(const std::string& dataset_id) const;

  // Items (§4, §7).
  Result<Item> get_item(const std::string& item_id) const;
  ItemPager query_items(const std::string& dataset_id, const ItemFilter& filter = {}) const;
  Result<std::int64_t> count_items(const std::string& dataset_id,
                                   const ItemFilter& filter = {}) const;
  // 404 comes back as kNotFound so callers can treat it as "already deleted".
  Status delete_item(const std::string& item_id) const;
  // Synchronous bulk delete by query (§7.2).
  Status delete_items_by_query(const std::string& dataset_id, const ItemFilter& filter) const;

  // Annotations (§5). One item, or many items batched by `itemId $in` (annotation_batch_size ids
  // per query). The batched result has an entry for every requested id (empty when none).
  Result<std::vector<Json>> list_annotations(const std::string& dataset_id,
                                             const std::string& item_id,
                                             AnnotationTypes types) const;
  Result<std::unordered_map<std::string, std::vector<Json>>> list_annotations_batch(
      const std::string& dataset_id, const std::vector<std::string>& item_ids,
      AnnotationTypes types) const;
  // The same, as nodes of the query pages' documents (which the batch keeps alive): the export's
  // path, where the annotations are encoded straight from the pages.
  struct AnnotationBatch {
    std::vector<std::shared_ptr<const JsonDoc>> pages;
    std::unordered_map<std::string, std::vector<const JsonNode*>> by_item;
  };
  Result<AnnotationBatch> list_annotation_nodes(const std::string& dataset_id,
                                                const std::vector<std::string>& item_ids,
                                                AnnotationTypes types) const;
  // The raw pager for a single batch (ids.size() <= any size), for callers that stream.
  PageIterator annotation_pages(const std::string& dataset_id,
                                const std::vector<std::string>& item_ids,
                                AnnotationTypes types) const;

  // Upload (§6). `remote_path` is the full item path, e.g. "/folder/sub/image_001.json". Default
  // mode overwrite (the SDK uses skip, which keeps stale exports). Verifies the answered
  // metadata.system.size equals bytes.size(); a mismatch is kDataLoss (the item id is in the
  // message; the caller decides whether to delete it).
  // `bytes` is sent as it is (not copied) and must stay valid until upload() returns.
  Result<Item> upload(const std::string& dataset_id, const std::string& remote_path,
                      std::string_view bytes, UploadMode mode = UploadMode::kOverwrite) const;
  // upload() on a multiplexer, for callers that need only the stored item's id: `done` receives
  // that id or the error upload() would have returned (the answer is checked the same way), from
  // a later mux.poll() on the calling thread, or at once (inside this call) when the request
  // cannot be built (a path without a file name, no token). `bytes` must stay valid until `done`
  // has run. A plain answer is read without building its JSON document (upload_answer.h).
  void upload_async(http::HttpMultiplexer& mux, const std::string& dataset_id,
                    const std::string& remote_path, std::string_view bytes, UploadMode mode,
                    std::function<void(Result<std::string>)> done) const;
  // A multiplexer of this client's HttpClient, for upload_async().
  std::unique_ptr<http::HttpMultiplexer> multiplexer() const;

  // Events (§8) and commands (§7.3).
  Result<Json> create_webhook(const WebhookSpec& spec) const;
  Result<Json> create_trigger(const Json& trigger) const;
  Result<Command> get_command(const std::string& command_id) const;

  const ClientOptions& options() const { return options_; }

 private:
  friend class PageIterator;
  struct TokenState;

  // One JSON API call under api_base_url. `body` null: no body. Maps non-2xx to Status.
  Result<Json> call(http::Method method, const std::string& path_and_query, const Json* body,
                    const std::string& endpoint) const;
  // The same call; the answer's text as a document.
  Result<std::shared_ptr<const JsonDoc>> call_doc(http::Method method,
                                                  const std::string& path_and_query,
                                                  const Json* body,
                                                  const std::string& endpoint) const;
  // What call() and call_doc() share: the successful answer.
  Result<http::Response> exchange(http::Method method, const std::string& path_and_query,
                                  const Json* body, const std::string& endpoint) const;
  Result<http::Response> send_authorized(http::Request request, const std::string& endpoint) const;
  // Adds the bearer token (renewing it if needed) and the metrics label.
  Status authorize(http::Request& request, const std::string& endpoint) const;
  // A transport failure of `endpoint`, named and with secrets redacted.
  Status transport_error(http::Method method, const std::string& endpoint,
                         const Status& error) const;
  struct UploadCall;
  Result<UploadCall> upload_call(const std::string& dataset_id, const std::string& remote_path,
                                 std::string_view bytes, UploadMode mode) const;
  Result<Item> upload_result(const UploadCall& call, Result<http::Response> outcome) const;
  Result<std::string> upload_result_id(const UploadCall& call,
                                       Result<http::Response> outcome) const;
  Result<std::string> bearer() const;
  Status renew_locked() const;
  Status adopt_token_locked(std::string token, std::string source) const;
  bool expiring_locked() const;
  Result<std::string> fetch_token_from_gate(const Json& body, const std::string& what) const;
  std::vector<std::string> secrets() const;
  std::vector<std::string> secrets_locked() const;
  Status error_from(const http::Response& response, const std::string& context) const;

  ClientOptions options_;
  http::HttpClientPtr http_;
  Clock& clock_;
  mutable std::mutex token_mu_;
  std::unique_ptr<TokenState> token_;  // guarded by token_mu_
};

// The gate URL derived from an API base URL: "https://gate.dataloop.ai/api/v1" ->
// "https://gate.dataloop.ai".
std::string derive_gate_url(const std::string& api_base_url);

}  // namespace dlexport::dataloop
