#include "http/curl/curl_http_client.h"

#include <curl/curl.h>

#include <array>
#include <chrono>
#include <mutex>
#include <string>
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

struct Exchange {
  CURL* handle;
  Response* response;
  bool sized = false;  // the body buffer was reserved from Content-Length
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string& body = exchange->response->body;
  if (!exchange->sized) {
    // One allocation for the whole body (annotation pages are megabytes) instead of doubling
    // through a dozen reallocations and copies.
    exchange->sized = true;
    curl_off_t length = -1;
    if (curl_easy_getinfo(exchange->handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) ==
            CURLE_OK &&
        length > 0 && length <= kMaxBodyReserve) {
      body.reserve(static_cast<std::size_t>(length));
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
    exchange->response->headers.clear();
    return size * count;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string_view name = line.substr(0, colon);
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  exchange->response->headers.add(std::string(name), std::string(value));
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
    const auto started = std::chrono::steady_clock::now();
    const std::string request_id =
        request.request_id.empty() ? new_request_id() : request.request_id;
    Result<Response> outcome = perform(request, request_id);
    if (options_.observer != nullptr) {
      // Only the observer needs the id inside the request; a copy is not made otherwise (an
      // upload's request holds the whole file).
      const auto elapsed = std::chrono::steady_clock::now() - started;
      if (request.request_id.empty()) {
        Request with_id = request;
        with_id.request_id = request_id;
        options_.observer->on_complete(with_id, outcome, elapsed);
      } else {
        options_.observer->on_complete(request, outcome, elapsed);
      }
    }
    return outcome;
  }

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

  Result<Response> perform(const Request& request, const std::string& request_id) {
    CURL* handle = acquire();
    if (handle == nullptr) return internal_error("curl_easy_init failed");
    // Reset clears per-request options but keeps live connections and caches.
    curl_easy_reset(handle);

    Response response;
    response.request_id = request_id;
    Exchange exchange{handle, &response};
    std::array<char, CURL_ERROR_SIZE> error_buffer{};

    // The serialised parts; POSTFIELDS points into it, so it outlives curl_easy_perform.
    std::string multipart;
    std::string_view body = request.body;
    std::string line;
    curl_slist* headers = nullptr;
    auto add_header = [&](std::string_view name, std::string_view value) {
      line.assign(name);
      line += ": ";
      line += value;
      headers = curl_slist_append(headers, line.c_str());
    };
    if (!request.parts.empty()) {
      const std::string boundary = "------------------------" + new_request_id();
      multipart = multipart_body(request.parts, boundary);
      body = multipart;
      add_header("Content-Type", "multipart/form-data; boundary=" + boundary);
    }
    for (const auto& [name, value] : request.headers.entries()) {
      if (iequals(name, "x-request-id")) continue;
      // Multipart requests carry our Content-Type: the boundary must match the body.
      if (!request.parts.empty() && iequals(name, "content-type")) continue;
      add_header(name, value);
    }
    add_header("x-request-id", request_id);
    // No "Expect: 100-continue" round trip for larger bodies.
    headers = curl_slist_append(headers, "Expect:");

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
    opt.set(CURLOPT_ERRORBUFFER, error_buffer.data());
    opt.set(CURLOPT_WRITEFUNCTION, &write_body);
    opt.set(CURLOPT_WRITEDATA, &exchange);
    opt.set(CURLOPT_HEADERFUNCTION, &write_header);
    opt.set(CURLOPT_HEADERDATA, &exchange);
    if (share_.handle != nullptr) opt.set(CURLOPT_SHARE, share_.handle);

    if (request.method == Method::kGet && request.parts.empty()) {
      opt.set(CURLOPT_HTTPGET, 1L);
    } else {
      if (request.method != Method::kPost) {
        // method_name() views string literals, so data() is NUL-terminated.
        opt.set(CURLOPT_CUSTOMREQUEST, method_name(request.method).data());
      }
      if (!body.empty() || request.method != Method::kDelete) {
        // POSTFIELDS points at our buffer, which outlives curl_easy_perform. Below 64 KiB
        // libcurl sends it in the same write as the request headers.
        opt.set(CURLOPT_POST, 1L);
        opt.set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        opt.set(CURLOPT_POSTFIELDS, body.data());
      }
    }
    opt.set(CURLOPT_HTTPHEADER, headers);

    Result<Response> outcome = internal_error("unreachable");
    if (opt.failed() != CURLE_OK) {
      outcome = internal_error("curl_easy_setopt(" + std::to_string(opt.failed_option()) +
                               ") failed: " + curl_easy_strerror(opt.failed()));
    } else {
      const CURLcode code = curl_easy_perform(handle);
      if (code != CURLE_OK) {
        outcome = status_from_curl(code, error_buffer.data(), request.url);
      } else {
        long status = 0;
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        response.status = static_cast<int>(status);
        outcome = std::move(response);
      }
    }
    // Detach per-request pointers before the handle goes back to the pool.
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, nullptr);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(headers);
    release(handle);
    return outcome;
  }

  CurlHttpClientOptions options_;
  Share share_;
  std::mutex mu_;
  std::vector<CURL*> idle_;  // guarded by mu_
};

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
