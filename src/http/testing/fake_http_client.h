#pragma once
// FakeHttpClient: an in-memory HttpClient for tests. It records every request and answers from a
// script: first from a FIFO of queued outcomes, then from a handler function. With neither it
// answers kInternal("unscripted request ..."), so an unexpected call fails the test loudly.
// Recorded requests (and the ones handlers see) own their multipart bytes: borrowed part bytes
// are copied into MultipartPart::data.
// Thread-safe (one mutex); handlers run outside the lock and may call the fake again.

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/json.h"
#include "http/http_client.h"

namespace dlexport::http::testing {

// A Response with a JSON body and Content-Type application/json.
Response json_response(int status, const Json& body, Headers headers = {});
// A Response with a text body.
Response text_response(int status, std::string body, Headers headers = {});

// The path of a URL with the scheme, host and query removed: "http://h/api/v1/x?y=1" ->
// "/api/v1/x".
std::string url_path(std::string_view url);
// The query string of a URL without '?', or "".
std::string url_query(std::string_view url);

class FakeHttpClient final : public HttpClient {
 public:
  using Handler = std::function<Result<Response>(const Request&)>;

  Result<Response> send(const Request& request) override;

  void enqueue(Result<Response> outcome);
  void set_handler(Handler handler);

  std::vector<Request> requests() const;
  std::size_t request_count() const;
  void clear_requests();

 private:
  mutable std::mutex mu_;
  std::deque<Result<Response>> queue_;
  Handler handler_;
  std::vector<Request> requests_;
};

}  // namespace dlexport::http::testing
