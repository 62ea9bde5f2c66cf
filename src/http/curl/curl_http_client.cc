#include "http/curl/curl_http_client.h"

#include <curl/curl.h>

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dlexport::http {
namespace {

// Every curl_easy_setopt result is checked in one place; a failure means a libcurl build without
// a feature we rely on, which is reported as an internal error for that request.
class OptionSetter {
 public:
  explicit OptionSetter(CURL* handle) : handle_(handle) {}
  template <typename T>
  void set(CURLoption option, T value) {
    if (failed_ != CURLE_OK) return;
    const CURLcode code = curl_easy_setopt(handle_, option, value);
    if (code != CURLE_OK) {
      failed_ = code;
      failed_option_ = static_cast<int>(option);
    }
  }
  CURLcode failed() const { return failed_; }
  int failed_option() const { return failed_option_; }

 private:
  CURL* handle_;
  CURLcode failed_ = CURLE_OK;
  int failed_option_ = 0;
};

Status status_from_curl(CURLcode code, const char* error_buffer, std::string_view url) {
  std::string detail = (error_buffer != nullptr && error_buffer[0] != '\0')
                           ? std::string(error_buffer)
                           : std::string(curl_easy_strerror(code));
  // The URL has no credentials in it (tokens travel in headers), so it is safe to include.
  std::string message = std::string(url) + ": " + detail;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return {StatusCode::kDeadlineExceeded, std::move(message)};
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return {StatusCode::kInvalidArgument, std::move(message)};
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return {StatusCode::kFailedPrecondition, std::move(message)};
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return {StatusCode::kInternal, std::move(message)};
    default:
      // Refused, reset, empty reply, DNS, partial transfer, TLS handshake hiccups: transient.
      return {StatusCode::kUnavailable, std::move(message)};
  }
}

struct CurlGlobal {
  CURLcode code;
  CurlGlobal() : code(curl_global_init(CURL_GLOBAL_DEFAULT)) {}
};

CURLcode ensure_curl_global() {
  static CurlGlobal global;  // thread-safe static init; never cleaned up (process lifetime)
  return global.code;
}

// The CURLSH lock callbacks: one mutex per lock data kind.
struct Share {
  CURLSH* handle = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Share*>(user)->locks[static_cast<std::size_t>(data)].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Share*>(user)->locks[static_cast<std::size_t>(data)].unlock();
  }
};

// Bodies announced larger than this are not reserved up front (they still arrive in full); a
// bogus Content-Length cannot make us allocate gigabytes before any byte arrives.
constexpr curl_off_t kMaxBodyReserve = 64 << 20;

// Everything one exchange needs while libcurl runs it; it must stay put (libcurl holds pointers
// into it) from configure() until conclude().
struct Exchange {
  CURL* handle = nullptr;
  const Request* request = nullptr;
  std::string request_id;
  Response response;
  bool sized = false;  // the body buffer was reserved from Content-Length
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  std::string multipart;  // the serialised parts; POSTFIELDS points into it
  curl_slist* headers = nullptr;
  std::chrono::steady_clock::time_point started;

  Exchange() = default;
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  ~Exchange() { curl_slist_free_all(headers); }
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string& body = exchange->response.body;
  if (!exchange->sized) {
    // One allocation for the whole body (annotation pages are megabytes) instead of doubling
    // through a dozen reallocations and copies.
    exchange->sized = true;
    curl_off_t length = -1;
    if (curl_easy_getinfo(exchange->handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) ==
            CURLE_OK &&
        length > 0 && length <= kMaxBodyReserve) {
      body = body_buffer(static_cast<std::size_t>(length));
    }
  }
  body.append(data, size * count);
  return size * count;
}

// A multipart/form-data name or filename parameter, escaped the way libcurl's form API does
// it (percent-encoded quote, CR and LF), so the bytes on the wire do not change.
void append_form_param(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '"':
        out += "%22";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      default:
        out += c;
    }
  }
}

// The multipart/form-data body of `parts` (RFC 7578), serialised in one buffer. libcurl's mime
// API would copy every part, format each part header through its printf engine and send the
// headers and the body in separate writes; this way the whole request leaves in one send.
std::string multipart_body(const std::vector<MultipartPart>& parts, std::string_view boundary) {
  std::size_t size = boundary.size() + 8;
  for (const auto& part : parts) {
    size += boundary.size() + part.name.size() + part.filename.size() + part.content_type.size() +
            part.bytes().size() + 96;
  }
  std::string out;
  out.reserve(size);
  for (const auto& part : parts) {
    out += "--";
    out += boundary;
    out += "\r\nContent-Disposition: form-data; name=\"";
    append_form_param(out, part.name);
    out += '"';
    if (!part.filename.empty()) {
      out += "; filename=\"";
      append_form_param(out, part.filename);
      out += '"';
    }
    out += "\r\n";
    if (!part.content_type.empty()) {
      out += "Content-Type: ";
      out += part.content_type;
      out += "\r\n";
    }
    out += "\r\n";
    out += part.bytes();
    out += "\r\n";
  }
  out += "--";
  out += boundary;
  out += "--\r\n";
  return out;
}

std::size_t write_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after 100-continue or an informational answer): start over.
    exchange->response.headers.clear();
    return size * count;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string_view name = line.substr(0, colon);
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  exchange->response.headers.add(std::string(name), std::string(value));
  return size * count;
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientOptions options) : options_(std::move(options)) {
    share_.handle = curl_share_init();
    if (share_.handle != nullptr) {
      curl_share_setopt(share_.handle, CURLSHOPT_LOCKFUNC, &Share::lock);
      curl_share_setopt(share_.handle, CURLSHOPT_UNLOCKFUNC, &Share::unlock);
      curl_share_setopt(share_.handle, CURLSHOPT_USERDATA, &share_);
      curl_share_setopt(share_.handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
      curl_share_setopt(share_.handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
  }

  ~CurlHttpClient() override {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
    if (share_.handle != nullptr) curl_share_cleanup(share_.handle);
  }

  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<Response> send(const Request& request) override {
    Exchange exchange;
    begin(exchange, request);
    Result<Response> outcome = internal_error("curl_easy_init failed");
    if (CURL* handle = acquire(); handle != nullptr) {
      Status configured = configure(handle, exchange);
      if (configured.is_ok()) {
        outcome = conclude(exchange, curl_easy_perform(handle));
      } else {
        outcome = std::move(configured);
      }
      detach(handle);
      release(handle);
    }
    observe(exchange, outcome);
    return outcome;
  }

  std::unique_ptr<HttpMultiplexer> multiplexer() override;

  // --- shared by send() and the multiplexer ---------------------------------------------------

  // Starts the clock and fixes the request id (a fresh one when the request has none).
  static void begin(Exchange& exchange, const Request& request) {
    exchange.started = std::chrono::steady_clock::now();
    exchange.request = &request;
    exchange.request_id = request.request_id.empty() ? new_request_id() : request.request_id;
    exchange.response.request_id = exchange.request_id;
  }

  // Resets `handle` and sets every option for the exchange's request; `exchange` holds the state
  // libcurl points into. An error means an option could not be set (nothing to perform).
  Status configure(CURL* handle, Exchange& exchange) {
    const Request& request = *exchange.request;
    exchange.handle = handle;
    // Reset clears per-request options but keeps live connections and caches.
    curl_easy_reset(handle);

    std::string_view body = request.body;
    std::string line;
    auto add_header = [&](std::string_view name, std::string_view value) {
      line.assign(name);
      line += ": ";
      line += value;
      exchange.headers = curl_slist_append(exchange.headers, line.c_str());
    };
    if (!request.parts.empty()) {
      const std::string boundary = "------------------------" + new_request_id();
      exchange.multipart = multipart_body(request.parts, boundary);
      body = exchange.multipart;
      add_header("Content-Type", "multipart/form-data; boundary=" + boundary);
    }
    for (const auto& [name, value] : request.headers.entries()) {
      if (iequals(name, "x-request-id")) continue;
      // Multipart requests carry our Content-Type: the boundary must match the body.
      if (!request.parts.empty() && iequals(name, "content-type")) continue;
      add_header(name, value);
    }
    add_header("x-request-id", exchange.request_id);
    // No "Expect: 100-continue" round trip for larger bodies.
    exchange.headers = curl_slist_append(exchange.headers, "Expect:");

    OptionSetter opt(handle);
    opt.set(CURLOPT_URL, request.url.c_str());
    opt.set(CURLOPT_NOSIGNAL, 1L);
    opt.set(CURLOPT_TCP_NODELAY, 1L);
    opt.set(CURLOPT_TCP_KEEPALIVE, 1L);
    opt.set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    opt.set(CURLOPT_SSL_VERIFYPEER, 1L);
    opt.set(CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty()) opt.set(CURLOPT_CAINFO, options_.ca_file.c_str());
    opt.set(CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl can decode
    opt.set(CURLOPT_FOLLOWLOCATION, 0L);
    opt.set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
    opt.set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
    opt.set(CURLOPT_USERAGENT, options_.user_agent.c_str());
    opt.set(CURLOPT_ERRORBUFFER, exchange.error_buffer.data());
    opt.set(CURLOPT_WRITEFUNCTION, &write_body);
    opt.set(CURLOPT_WRITEDATA, &exchange);
    opt.set(CURLOPT_HEADERFUNCTION, &write_header);
    opt.set(CURLOPT_HEADERDATA, &exchange);
    opt.set(CURLOPT_PRIVATE, &exchange);
    if (share_.handle != nullptr) opt.set(CURLOPT_SHARE, share_.handle);

    if (request.method == Method::kGet && request.parts.empty()) {
      opt.set(CURLOPT_HTTPGET, 1L);
    } else {
      if (request.method != Method::kPost) {
        // method_name() views string literals, so data() is NUL-terminated.
        opt.set(CURLOPT_CUSTOMREQUEST, method_name(request.method).data());
      }
      if (!body.empty() || request.method != Method::kDelete) {
        // POSTFIELDS points at our buffer, which outlives the exchange. Below 64 KiB libcurl
        // sends it in the same write as the request headers.
        opt.set(CURLOPT_POST, 1L);
        opt.set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        opt.set(CURLOPT_POSTFIELDS, body.data());
      }
    }
    opt.set(CURLOPT_HTTPHEADER, exchange.headers);
    if (opt.failed() != CURLE_OK) {
      return internal_error("curl_easy_setopt(" + std::to_string(opt.failed_option()) +
                            ") failed: " + curl_easy_strerror(opt.failed()));
    }
    return Status::ok();
  }

  // The outcome of a finished exchange.
  static Result<Response> conclude(Exchange& exchange, CURLcode code) {
    if (code != CURLE_OK) {
      return status_from_curl(code, exchange.error_buffer.data(), exchange.request->url);
    }
    long status = 0;
    curl_easy_getinfo(exchange.handle, CURLINFO_RESPONSE_CODE, &status);
    exchange.response.status = static_cast<int>(status);
    return std::move(exchange.response);
  }

  // Detaches per-exchange pointers before the handle is reused or pooled.
  static void detach(CURL* handle) {
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, nullptr);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(handle, CURLOPT_PRIVATE, nullptr);
  }

  void observe(const Exchange& exchange, const Result<Response>& outcome) {
    if (options_.observer == nullptr) return;
    // Only the observer needs the id inside the request; a copy is not made otherwise (an
    // upload's request holds the whole file).
    const auto elapsed = std::chrono::steady_clock::now() - exchange.started;
    if (exchange.request->request_id.empty()) {
      Request with_id = *exchange.request;
      with_id.request_id = exchange.request_id;
      options_.observer->on_complete(with_id, outcome, elapsed);
    } else {
      options_.observer->on_complete(*exchange.request, outcome, elapsed);
    }
  }

  std::size_t max_idle_handles() const { return options_.max_idle_handles; }

 private:
  CURL* acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void release(CURL* handle) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (idle_.size() < options_.max_idle_handles) {
        idle_.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }

  CurlHttpClientOptions options_;
  Share share_;
  std::mutex mu_;
  std::vector<CURL*> idle_;  // guarded by mu_
};

// Runs exchanges concurrently on the owner's thread with a curl multi handle. Its easy handles
// (and, through the multi handle, their connections) are its own; DNS and TLS sessions are
// shared with the client.
class CurlMultiplexer final : public HttpMultiplexer {
 public:
  explicit CurlMultiplexer(CurlHttpClient& client) : client_(client), multi_(curl_multi_init()) {
    if (multi_ != nullptr) {
      // One exchange per connection, as with send(): no HTTP/2 multiplexing onto one
      // connection, so the server sees the same connections and concurrency either way.
      curl_multi_setopt(multi_, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_NOTHING));
    }
  }

  ~CurlMultiplexer() override {
    for (auto& [handle, active] : active_) {
      curl_multi_remove_handle(multi_, handle);
      curl_easy_cleanup(handle);
    }
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
  }

  CurlMultiplexer(const CurlMultiplexer&) = delete;
  CurlMultiplexer& operator=(const CurlMultiplexer&) = delete;

  void start(Request request, Done done) override {
    auto active = std::make_unique<Active>();
    active->request = std::move(request);
    active->done = std::move(done);
    CURL* handle = nullptr;
    if (multi_ != nullptr) handle = idle_.empty() ? curl_easy_init() : idle_.back();
    if (handle == nullptr) {
      CurlHttpClient::begin(active->exchange, active->request);
      Status error =
          internal_error(multi_ == nullptr ? "curl_multi_init failed" : "curl_easy_init failed");
      client_.observe(active->exchange, error);
      finish(std::move(active), std::move(error));
      return;
    }
    if (!idle_.empty()) idle_.pop_back();
    CurlHttpClient::begin(active->exchange, active->request);
    Status configured = client_.configure(handle, active->exchange);
    if (configured.is_ok()) {
      const CURLMcode added = curl_multi_add_handle(multi_, handle);
      if (added == CURLM_OK) {
        active_.emplace(handle, std::move(active));
        return;
      }
      configured = internal_error(std::string("curl_multi_add_handle failed: ") +
                                  curl_multi_strerror(added));
    }
    CurlHttpClient::detach(handle);
    recycle(handle);
    client_.observe(active->exchange, configured);
    finish(std::move(active), std::move(configured));
  }

  std::size_t poll(std::chrono::milliseconds timeout) override {
    if (multi_ != nullptr && !active_.empty()) {
      int running = 0;
      curl_multi_perform(multi_, &running);
      collect();
      if (finished_.empty()) {
        curl_multi_poll(multi_, nullptr, 0, static_cast<int>(timeout.count()), nullptr);
        curl_multi_perform(multi_, &running);
        collect();
      }
    } else if (finished_.empty() && multi_ != nullptr) {
      // Nothing in flight: wait for wakeup() (or the timeout) only.
      curl_multi_poll(multi_, nullptr, 0, static_cast<int>(timeout.count()), nullptr);
    }
    // Completions may start new exchanges; they are collected by the next poll().
    std::vector<std::pair<Done, Result<Response>>> finished;
    finished.swap(finished_);
    for (auto& [done, outcome] : finished) done(std::move(outcome));
    return in_flight();
  }

  std::size_t in_flight() const override { return active_.size() + finished_.size(); }

  void wakeup() override {
    if (multi_ != nullptr) curl_multi_wakeup(multi_);
  }

 private:
  struct Active {
    Request request;
    Done done;
    Exchange exchange;
  };

  // Moves every exchange libcurl reports done to finished_.
  void collect() {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* handle = message->easy_handle;
      const CURLcode code = message->data.result;
      auto it = active_.find(handle);
      curl_multi_remove_handle(multi_, handle);
      if (it == active_.end()) {
        curl_easy_cleanup(handle);
        continue;
      }
      std::unique_ptr<Active> active = std::move(it->second);
      active_.erase(it);
      Result<Response> outcome = CurlHttpClient::conclude(active->exchange, code);
      CurlHttpClient::detach(handle);
      recycle(handle);
      client_.observe(active->exchange, outcome);
      finish(std::move(active), std::move(outcome));
    }
  }

  void finish(std::unique_ptr<Active> active, Result<Response> outcome) {
    finished_.emplace_back(std::move(active->done), std::move(outcome));
  }

  void recycle(CURL* handle) {
    if (idle_.size() < client_.max_idle_handles()) {
      idle_.push_back(handle);
    } else {
      curl_easy_cleanup(handle);
    }
  }

  CurlHttpClient& client_;
  CURLM* multi_;
  std::unordered_map<CURL*, std::unique_ptr<Active>> active_;
  std::vector<CURL*> idle_;
  std::vector<std::pair<Done, Result<Response>>> finished_;
};

std::unique_ptr<HttpMultiplexer> CurlHttpClient::multiplexer() {
  return std::make_unique<CurlMultiplexer>(*this);
}

}  // namespace

Result<HttpClientPtr> make_curl_http_client(CurlHttpClientOptions options) {
  if (const CURLcode code = ensure_curl_global(); code != CURLE_OK) {
    return Status(StatusCode::kInternal,
                  std::string("curl_global_init failed: ") + curl_easy_strerror(code));
  }
  HttpClientPtr client = std::make_shared<CurlHttpClient>(std::move(options));
  return client;
}

}  // namespace dlexport::http
