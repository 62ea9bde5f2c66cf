#pragma once
// HttpClient: the one outbound HTTP interface every Dataloop call goes through.
//
// Implementations: the libcurl client (http/curl/curl_http_client.h) for production and
// FakeHttpClient (http/testing/fake_http_client.h) for tests. An HttpClient is thread-safe and
// meant to be shared by all worker threads (std::shared_ptr<HttpClient>). send() blocks until the
// exchange completes or fails; it never retries and never sleeps (retrying is the worker's job).
//
// Errors: only transport failures are errors. Connection refused/reset/empty reply and DNS
// failures are kUnavailable, timeouts kDeadlineExceeded, a malformed URL kInvalidArgument, TLS
// verification failures kFailedPrecondition. Any HTTP status, 500 included, is a successful
// Response here; the dataloop layer maps statuses to Status codes.
//
// Request ids: a request without one gets a fresh random id; it is sent as `x-request-id` and
// returned in Response::request_id, so a log line can be matched with the server's.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace dlexport::http {

enum class Method { kGet, kPost, kPut, kPatch, kDelete };
std::string_view method_name(Method method);

// An ordered header list with case-insensitive lookup (HTTP header names are case-insensitive).
class Headers {
 public:
  Headers() = default;
  Headers(std::initializer_list<std::pair<std::string, std::string>> init) : entries_(init) {}

  // Appends (keeps duplicates, e.g. repeated Set-Cookie).
  void add(std::string name, std::string value);
  // Replaces every entry of that name with one entry.
  void set(std::string name, std::string value);
  void remove(std::string_view name);
  // The first value of `name`, if any.
  std::optional<std::string> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

bool iequals(std::string_view a, std::string_view b);

// One part of a multipart/form-data body. Parts are sent in vector order; the Dataloop upload
// requires the file part last.
struct MultipartPart {
  MultipartPart() = default;
  MultipartPart(std::string name_, std::string filename_, std::string content_type_,
                std::string data_)
      : name(std::move(name_)),
        filename(std::move(filename_)),
        content_type(std::move(content_type_)),
        data(std::move(data_)) {}
  // A part whose bytes are borrowed, not copied (see `borrowed`).
  static MultipartPart borrowing(std::string name, std::string filename, std::string content_type,
                                 std::string_view bytes) {
    MultipartPart part(std::move(name), std::move(filename), std::move(content_type), {});
    part.borrowed = bytes;
    return part;
  }

  std::string name;
  std::string filename;      // empty: a plain field (no filename parameter)
  std::string content_type;  // empty: no Content-Type header for the part
  std::string data;
  // When set, the part's bytes are these instead of `data`: not owned, valid until send()
  // returns (like sink::PutRequest::bytes). Lets a large file go out without a copy of it.
  std::optional<std::string_view> borrowed;

  std::string_view bytes() const { return borrowed ? *borrowed : std::string_view(data); }
};

struct Request {
  Method method = Method::kGet;
  std::string url;
  Headers headers;
  // Either a raw body (Content-Type set by the caller in headers) or multipart parts, not both.
  std::string body;
  std::vector<MultipartPart> parts;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds total_timeout{std::chrono::seconds(120)};
  std::string request_id;  // generated when empty
  // A low-cardinality label for latency metrics, e.g. "POST /datasets/{id}/query". Optional.
  std::string endpoint;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  std::string request_id;  // the x-request-id we sent
};

// Optional hook: told about every completed exchange (for per-endpoint latency metrics). Called
// on the sending thread; must be thread-safe and cheap.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void on_complete(const Request& request, const Result<Response>& outcome,
                           std::chrono::nanoseconds elapsed) = 0;
};

// HttpMultiplexer: many exchanges in flight on ONE thread, which drives them with poll(). For a
// caller that keeps dozens of requests in flight (the export's uploads), this replaces a thread
// blocked per request: one wait serves every exchange that made progress, instead of a sleep, a
// wake-up and a context switch per request.
//
// Each exchange behaves exactly like HttpClient::send() (same errors, same request id handling,
// never retried); only the waiting differs. Not thread-safe, except wakeup(): one multiplexer
// belongs to the thread that calls start() and poll(). Obtained from HttpClient::multiplexer();
// it may share caches with its client and must not outlive it.
class HttpMultiplexer {
 public:
  using Done = std::function<void(Result<Response>)>;
  virtual ~HttpMultiplexer() = default;
  // Starts `request`. `done` runs inside a later poll() on this thread, never inside start().
  // Borrowed multipart bytes must stay valid until `done` has run.
  virtual void start(Request request, Done done) = 0;
  // Waits until an exchange completes, wakeup() is called or `timeout` passes, then runs the
  // completions of every finished exchange. Returns how many exchanges are still in flight.
  virtual std::size_t poll(std::chrono::milliseconds timeout) = 0;
  // Exchanges started whose `done` has not run yet.
  virtual std::size_t in_flight() const = 0;
  // Makes a poll() that is waiting (or the next one) return early. Thread-safe.
  virtual void wakeup() = 0;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<Response> send(const Request& request) = 0;
  // A multiplexer for this client. The default runs each exchange through send() inside
  // start() (so a test fake needs nothing more); the libcurl client runs them concurrently.
  virtual std::unique_ptr<HttpMultiplexer> multiplexer();
};

using HttpClientPtr = std::shared_ptr<HttpClient>;

// Large response bodies (query pages are megabytes) are received into a buffer kept per thread
// when one is available (common/buffer_pool.h): a caller done with a body hands it back with
// recycle_body(), and the next large response received on the same thread reuses its memory.
void recycle_body(std::string body);
// For HttpClient implementations: an empty string with room for `size` bytes, reusing the
// thread's recycled buffer when it is large enough.
std::string body_buffer(std::size_t size);

// A fresh random request id (32 hex characters).
std::string new_request_id();

// "a b/é" -> "a%20b%2F%C3%A9": percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

}  // namespace dlexport::http
