#include "http/testing/fake_http_client.h"

namespace dlexport::http::testing {

Response json_response(int status, const Json& body, Headers headers) {
  Response response;
  response.status = status;
  response.headers = std::move(headers);
  response.headers.set("Content-Type", "application/json");
  response.body = body.dump();
  return response;
}

Response text_response(int status, std::string body, Headers headers) {
  Response response;
  response.status = status;
  response.headers = std::move(headers);
  if (!response.headers.contains("Content-Type")) {
    response.headers.set("Content-Type", "text/plain");
  }
  response.body = std::move(body);
  return response;
}

std::string url_path(std::string_view url) {
  std::size_t start = 0;
  if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
    start = url.find('/', scheme + 3);
    if (start == std::string_view::npos) return "/";
  }
  std::string_view rest = url.substr(start);
  return std::string(rest.substr(0, rest.find('?')));
}

std::string url_query(std::string_view url) {
  const auto q = url.find('?');
  return q == std::string_view::npos ? std::string() : std::string(url.substr(q + 1));
}

Result<Response> FakeHttpClient::send(const Request& request) {
  Request recorded = request;
  if (recorded.request_id.empty()) recorded.request_id = new_request_id();
  // Borrowed part bytes are only valid during send(); the recording must outlive it.
  for (auto& part : recorded.parts) {
    if (part.borrowed) {
      part.data = std::string(*part.borrowed);
      part.borrowed.reset();
    }
  }
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(recorded);
    if (!queue_.empty()) {
      Result<Response> outcome = std::move(queue_.front());
      queue_.pop_front();
      if (outcome.has_value()) outcome->request_id = recorded.request_id;
      return outcome;
    }
    handler = handler_;
  }
  if (!handler) {
    return internal_error("FakeHttpClient: unscripted request " +
                          std::string(method_name(request.method)) + " " + request.url);
  }
  Result<Response> outcome = handler(recorded);
  if (outcome.has_value()) outcome->request_id = recorded.request_id;
  return outcome;
}

void FakeHttpClient::enqueue(Result<Response> outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(outcome));
}

void FakeHttpClient::set_handler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

std::vector<Request> FakeHttpClient::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::size_t FakeHttpClient::request_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.size();
}

void FakeHttpClient::clear_requests() {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.clear();
}

}  // namespace dlexport::http::testing
