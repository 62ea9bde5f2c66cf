#include "http/http_client.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>

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

namespace {

// Bodies below this are ordinary allocations; recycling them would only pin memory.
constexpr std::size_t kRecycledBodyMin = 256 << 10;
// Nor is a buffer kept beyond this: one odd huge answer must not stay resident for the run.
constexpr std::size_t kRecycledBodyMax = 32 << 20;

std::string& spare_body() {
  thread_local std::string spare;
  return spare;
}

}  // namespace

void recycle_body(std::string body) {
  std::string& spare = spare_body();
  if (body.capacity() < kRecycledBodyMin || body.capacity() > kRecycledBodyMax ||
      body.capacity() <= spare.capacity()) {
    return;
  }
  body.clear();
  spare = std::move(body);
}

std::string body_buffer(std::size_t size) {
  std::string body;
  if (size >= kRecycledBodyMin && spare_body().capacity() >= size) body.swap(spare_body());
  body.reserve(size);
  return body;
}

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
