#include "http/http_client.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>

#include "common/buffer_pool.h"

namespace dlexport::http {

std::string_view method_name(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
  }
  return "GET";
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void Headers::add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

void Headers::set(std::string name, std::string value) {
  remove(name);
  add(std::move(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(entries_, [&](const auto& entry) { return iequals(entry.first, name); });
}

std::optional<std::string> Headers::get(std::string_view name) const {
  for (const auto& [key, value] : entries_) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

namespace {

// The default multiplexer: start() sends at once (blocking), poll() delivers the outcomes.
class SendingMultiplexer final : public HttpMultiplexer {
 public:
  explicit SendingMultiplexer(HttpClient& client) : client_(client) {}

  void start(Request request, Done done) override {
    ready_.emplace_back(std::move(done), client_.send(request));
  }

  std::size_t poll(std::chrono::milliseconds timeout) override {
    if (ready_.empty()) {
      std::unique_lock<std::mutex> lock(mu_);
      woken_.wait_for(lock, timeout, [this] { return wakeups_ > 0; });
      wakeups_ = 0;
    }
    // Completions may start more exchanges; those are delivered by the next poll().
    std::deque<std::pair<Done, Result<Response>>> ready;
    ready.swap(ready_);
    for (auto& [done, outcome] : ready) done(std::move(outcome));
    return ready_.size();
  }

  std::size_t in_flight() const override { return ready_.size(); }

  void wakeup() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++wakeups_;
    }
    woken_.notify_one();
  }

 private:
  HttpClient& client_;
  std::deque<std::pair<Done, Result<Response>>> ready_;  // owner thread only
  std::mutex mu_;
  std::condition_variable woken_;
  int wakeups_ = 0;  // guarded by mu_
};

}  // namespace

std::unique_ptr<HttpMultiplexer> HttpClient::multiplexer() {
  return std::make_unique<SendingMultiplexer>(*this);
}

void recycle_body(std::string body) { recycle_buffer(std::move(body)); }

std::string body_buffer(std::size_t size) { return take_buffer(size); }

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i % 16 == 0) bits = rng();
    out[i] = kHex[bits & 0xF];
    bits >>= 4;
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

}  // namespace dlexport::http
