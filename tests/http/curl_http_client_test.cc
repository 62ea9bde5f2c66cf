#include "http/curl/curl_http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "common/json.h"

namespace dlexport::http {
namespace {

using std::chrono::milliseconds;

// A cpp-httplib server on 127.0.0.1, port 0, running on its own thread.
class LocalServer {
 public:
  LocalServer() {
    server_.set_keep_alive_max_count(1000);
    server_.set_keep_alive_timeout(30);
    auto echo = [](const httplib::Request& req, httplib::Response& res) {
      Json out = Json::object();
      out["method"] = req.method;
      out["path"] = req.path;
      out["body"] = req.body;
      out["remote_port"] = req.remote_port;
      out["request_id"] = req.get_header_value("x-request-id");
      out["content_type"] = req.get_header_value("Content-Type");
      out["authorization"] = req.get_header_value("authorization");
      out["accept_encoding"] = req.get_header_value("Accept-Encoding");
      out["content_length"] = req.get_header_value("Content-Length");
      res.set_content(out.dump(), "application/json");
    };
    server_.Get("/echo", echo);
    server_.Post("/echo", echo);
    server_.Put("/echo", echo);
    server_.Patch("/echo", echo);
    server_.Delete("/echo", echo);
    server_.Get("/status/503", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_header("Retry-After", "3");
      res.set_content(R"({"message":"busy"})", "application/json");
    });
    server_.Get("/big", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Saw-Accept-Encoding", req.get_header_value("Accept-Encoding"));
      res.set_content(std::string(200000, 'a'), "application/json");
    });
    server_.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock<std::mutex> lock(mu_);
      // Bounded so a broken test cannot hang the server; released by the test's destructor.
      cv_.wait_for(lock, std::chrono::seconds(10), [this] { return released_; });
      res.set_content("late", "text/plain");
    });
    server_.Post("/upload", [](const httplib::Request& req, httplib::Response& res) {
      Json parts = Json::array();
      for (const auto& [name, file] : req.files) {
        parts.push_back(Json{{"name", file.name},
                             {"filename", file.filename},
                             {"content_type", file.content_type},
                             {"content", file.content}});
      }
      Json out = Json{{"parts", parts},
                      {"remote_port", req.remote_port},
                      {"content_type", req.get_header_value("Content-Type")},
                      {"content_length", req.get_header_value("Content-Length")},
                      {"transfer_encoding", req.get_header_value("Transfer-Encoding")}};
      res.set_content(out.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs (httplib 0.11), so wait for it to start.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~LocalServer() {
    release();
    server_.stop();
    thread_.join();
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

// A raw TCP listener that answers each connection by closing it: with SO_LINGER 0 (a reset) or
// normally (an empty reply).
class ClosingServer {
 public:
  explicit ClosingServer(bool reset) : reset_(reset) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buffer[4096];
      (void)::recv(client, buffer, sizeof buffer, 0);  // the request head
      if (reset_) {
        linger option{1, 0};
        ::setsockopt(client, SOL_SOCKET, SO_LINGER, &option, sizeof option);
      }
      ::close(client);
    });
  }
  ~ClosingServer() {
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/x"; }

 private:
  bool reset_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

class CurlHttpClientTest : public ::testing::Test {
 protected:
  HttpClientPtr client(RequestObserver* observer = nullptr) {
    CurlHttpClientOptions options;
    options.observer = observer;
    auto made = make_curl_http_client(options);
    EXPECT_TRUE(made.has_value());
    return *made;
  }
  static Json body(const Response& response) { return Json::parse(response.body); }
  LocalServer server_;
};

TEST_F(CurlHttpClientTest, GetWithRequestIdAndHeaders) {
  auto http = client();
  Request request;
  request.url = server_.url("/echo");
  request.headers.set("authorization", "Bearer abc");
  auto response = http->send(request);
  ASSERT_TRUE(response.has_value()) << response.status().to_string();
  EXPECT_EQ(response->status, 200);
  const Json echoed = body(*response);
  EXPECT_EQ(echoed["method"], "GET");
  EXPECT_EQ(echoed["authorization"], "Bearer abc");
  EXPECT_EQ(response->request_id.size(), 32u);
  EXPECT_EQ(echoed["request_id"], response->request_id);
  EXPECT_EQ(response->headers.get("CONTENT-TYPE"), "application/json");

  request.request_id = "caller-chosen-id";
  auto second = http->send(request);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(body(*second)["request_id"], "caller-chosen-id");
  EXPECT_EQ(second->request_id, "caller-chosen-id");
}

TEST_F(CurlHttpClientTest, MethodsAndBodies) {
  auto http = client();
  for (Method method : {Method::kPost, Method::kPut, Method::kPatch, Method::kDelete}) {
    Request request;
    request.method = method;
    request.url = server_.url("/echo");
    request.headers.set("Content-Type", "application/json");
    request.body = R"({"a":1})";
    auto response = http->send(request);
    ASSERT_TRUE(response.has_value()) << response.status().to_string();
    const Json echoed = body(*response);
    EXPECT_EQ(echoed["method"], std::string(method_name(method)));
    EXPECT_EQ(echoed["body"], R"({"a":1})");
    EXPECT_EQ(echoed["content_type"], "application/json");
  }
  Request empty_delete;
  empty_delete.method = Method::kDelete;
  empty_delete.url = server_.url("/echo");
  auto response = http->send(empty_delete);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(body(*response)["method"], "DELETE");
  EXPECT_EQ(body(*response)["body"], "");
}

TEST_F(CurlHttpClientTest, HttpErrorsAreResponsesNotStatuses) {
  auto http = client();
  Request request;
  request.url = server_.url("/status/503");
  auto response = http->send(request);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->headers.get("retry-after"), "3");
  request.url = server_.url("/missing");
  auto missing = http->send(request);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
}

TEST_F(CurlHttpClientTest, KeepAliveReusesOneConnection) {
  auto http = client();
  std::set<int> ports;
  for (int i = 0; i < 10; ++i) {
    Request request;
    request.url = server_.url("/echo");
    auto response = http->send(request);
    ASSERT_TRUE(response.has_value());
    ports.insert(body(*response)["remote_port"].get<int>());
  }
  EXPECT_EQ(ports.size(), 1u);
}

TEST_F(CurlHttpClientTest, GzipIsNegotiatedAndDecoded) {
  auto http = client();
  Request request;
  request.url = server_.url("/big");
  auto response = http->send(request);
  ASSERT_TRUE(response.has_value());
  EXPECT_NE(response->headers.get("X-Saw-Accept-Encoding").value_or("").find("gzip"),
            std::string::npos);
  // cpp-httplib prefers brotli when offered; either way the body arrived compressed.
  const std::string encoding = response->headers.get("Content-Encoding").value_or("");
  EXPECT_TRUE(encoding == "gzip" || encoding == "br") << encoding;
  EXPECT_EQ(response->body, std::string(200000, 'a'));
}

TEST_F(CurlHttpClientTest, MultipartArrivesIntact) {
  auto http = client();
  Request request;
  request.method = Method::kPost;
  request.url = server_.url("/upload");
  const std::string payload = std::string("{\"k\": \"\xD0\xBF\"}") + std::string(100000, 'x');
  request.parts = {{"type", "", "text/plain; charset=utf-8", "file"},
                   {"path", "", "", "/папка/тест файл.json"},
                   {"file", "%D1%82.json", "application/json", payload}};
  auto response = http->send(request);
  ASSERT_TRUE(response.has_value()) << response.status().to_string();
  const Json echoed = body(*response);
  EXPECT_NE(echoed["content_type"].get<std::string>().find("multipart/form-data; boundary="),
            std::string::npos);
  EXPECT_FALSE(echoed["content_length"].get<std::string>().empty());  // sized, not chunked
  std::map<std::string, Json> parts;
  for (const auto& part : echoed["parts"]) parts[part["name"].get<std::string>()] = part;
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts["type"]["content"], "file");
  EXPECT_EQ(parts["path"]["content"], "/папка/тест файл.json");
  EXPECT_EQ(parts["file"]["filename"], "%D1%82.json");
  EXPECT_EQ(parts["file"]["content_type"], "application/json");
  EXPECT_EQ(parts["file"]["content"], payload);
}

TEST_F(CurlHttpClientTest, BorrowedMultipartPartAndEscapedParameters) {
  auto http = client();
  Request request;
  request.method = Method::kPost;
  request.url = server_.url("/upload");
  request.headers.set("Content-Type", "application/json");  // replaced: parts need a boundary
  const std::string payload = std::string(70000, 'y') + "\r\n--not-a-boundary\r\n";
  request.parts = {{"type", "", "text/plain; charset=utf-8", "file"},
                   MultipartPart::borrowing("file", "a\"b.json", "application/json", payload)};
  auto response = http->send(request);
  ASSERT_TRUE(response.has_value()) << response.status().to_string();
  const Json echoed = body(*response);
  EXPECT_EQ(echoed["content_type"].get<std::string>().rfind("multipart/form-data; boundary=", 0),
            0u);
  std::map<std::string, Json> parts;
  for (const auto& part : echoed["parts"]) parts[part["name"].get<std::string>()] = part;
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts["type"]["content"], "file");
  // Quotes are percent-encoded in the filename parameter, as libcurl's form API does.
  EXPECT_EQ(parts["file"]["filename"], "a%22b.json");
  EXPECT_EQ(parts["file"]["content"], payload);
}

TEST_F(CurlHttpClientTest, TimeoutIsDeadlineExceeded) {
  auto http = client();
  Request request;
  request.url = server_.url("/slow");
  request.total_timeout = milliseconds(200);
  auto response = http->send(request);
  server_.release();
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  // The pool recovers: the next request on a fresh connection works.
  request.url = server_.url("/echo");
  request.total_timeout = milliseconds(5000);
  EXPECT_TRUE(http->send(request).has_value());
}

TEST_F(CurlHttpClientTest, ResetIsUnavailable) {
  ClosingServer closing(/*reset=*/true);
  auto http = client();
  Request request;
  request.url = closing.url();
  auto response = http->send(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable) << response.status().to_string();
}

TEST_F(CurlHttpClientTest, EmptyReplyIsUnavailable) {
  ClosingServer closing(/*reset=*/false);
  auto http = client();
  Request request;
  request.url = closing.url();
  auto response = http->send(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable) << response.status().to_string();
}

TEST_F(CurlHttpClientTest, RefusedIsUnavailable) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  // Bound but not listening: connecting is refused. The socket stays open during the request so
  // the port cannot be handed out as curl's own ephemeral port (a TCP self-connect would hang).
  auto http = client();
  Request request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  request.total_timeout = milliseconds(5000);
  auto response = http->send(request);
  ::close(fd);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
}

TEST_F(CurlHttpClientTest, MalformedUrlIsInvalidArgument) {
  auto http = client();
  Request request;
  request.url = "ht!tp://nope";
  EXPECT_EQ(http->send(request).status().code(), StatusCode::kInvalidArgument);
}

class CountingObserver final : public RequestObserver {
 public:
  void on_complete(const Request& request, const Result<Response>& outcome,
                   std::chrono::nanoseconds elapsed) override {
    std::lock_guard<std::mutex> lock(mu);
    endpoints.push_back(request.endpoint);
    ok += outcome.has_value() ? 1 : 0;
    EXPECT_GE(elapsed.count(), 0);
    EXPECT_FALSE(request.request_id.empty());
  }
  std::mutex mu;
  std::vector<std::string> endpoints;
  int ok = 0;
};

TEST_F(CurlHttpClientTest, ObserverSeesEveryExchange) {
  CountingObserver observer;
  auto http = client(&observer);
  Request request;
  request.url = server_.url("/echo");
  request.endpoint = "GET /echo";
  ASSERT_TRUE(http->send(request).has_value());
  EXPECT_EQ(observer.endpoints, std::vector<std::string>{"GET /echo"});
  EXPECT_EQ(observer.ok, 1);
}

TEST_F(CurlHttpClientTest, ManyThreadsShareOneClient) {
  auto http = client();
  constexpr int kThreads = 8;
  constexpr int kRequests = 40;
  std::atomic<int> ok{0};
  std::mutex ports_mu;
  std::set<int> ports;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        Request request;
        request.method = Method::kPost;
        request.url = server_.url("/echo");
        request.body = std::to_string(t) + ":" + std::to_string(i);
        auto response = http->send(request);
        if (!response.has_value()) continue;
        const Json echoed = Json::parse(response->body);
        if (echoed["body"] == request.body && echoed["request_id"] == response->request_id) ++ok;
        std::lock_guard<std::mutex> lock(ports_mu);
        ports.insert(echoed["remote_port"].get<int>());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
  // Connections are reused: far fewer than one per request.
  EXPECT_LE(ports.size(), static_cast<std::size_t>(kThreads));
}

// --- HttpMultiplexer ---------------------------------------------------------------------------

TEST_F(CurlHttpClientTest, MultiplexerRunsManyExchangesOnOneThread) {
  CountingObserver observer;
  auto http = client(&observer);
  auto mux = http->multiplexer();
  // Fewer than the test server's 8 worker threads: each keep-alive connection holds one.
  constexpr int kExchanges = 6;
  const std::string file(30000, 'f');
  std::vector<std::optional<Result<Response>>> outcomes(kExchanges);
  std::vector<std::string> sent(kExchanges);
  for (int i = 0; i < kExchanges; ++i) {
    Request request;
    request.method = Method::kPost;
    if (i % 2 == 0) {
      request.url = server_.url("/echo");
      request.body = "body " + std::to_string(i);
      sent[static_cast<std::size_t>(i)] = request.body;
    } else {
      request.url = server_.url("/upload");
      request.parts = {{"n", "", "", std::to_string(i)},
                       MultipartPart::borrowing("file", "f.json", "application/json", file)};
    }
    mux->start(std::move(request), [&outcomes, i](Result<Response> outcome) {
      outcomes[static_cast<std::size_t>(i)] = std::move(outcome);
    });
  }
  // Nothing completes inside start().
  for (const auto& outcome : outcomes) EXPECT_FALSE(outcome.has_value());
  EXPECT_EQ(mux->in_flight(), static_cast<std::size_t>(kExchanges));
  while (mux->in_flight() > 0) mux->poll(milliseconds(5000));
  std::set<int> ports;
  for (int i = 0; i < kExchanges; ++i) {
    const auto& outcome = outcomes[static_cast<std::size_t>(i)];
    ASSERT_TRUE(outcome.has_value()) << i;
    ASSERT_TRUE(outcome->has_value()) << outcome->status().to_string();
    const Response& response = **outcome;
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.request_id.size(), 32u);
    const Json echoed = body(response);
    if (i % 2 == 0) {
      EXPECT_EQ(echoed["body"], sent[static_cast<std::size_t>(i)]);
      EXPECT_EQ(echoed["request_id"], response.request_id);
      ports.insert(echoed["remote_port"].get<int>());
    } else {
      ports.insert(echoed["remote_port"].get<int>());
      ASSERT_EQ(echoed["parts"].size(), 2u);
      for (const auto& part : echoed["parts"]) {
        const Json expected = part["name"] == "n" ? Json(std::to_string(i)) : Json(file);
        EXPECT_EQ(part["content"], expected);
      }
    }
  }
  EXPECT_EQ(observer.ok, kExchanges);
  // A second round reuses the connections of the first.
  for (int i = 0; i < 4; ++i) {
    Request request;
    request.url = server_.url("/echo");
    mux->start(std::move(request), [&ports](Result<Response> outcome) {
      ASSERT_TRUE(outcome.has_value());
      EXPECT_EQ(ports.count(Json::parse(outcome->body)["remote_port"].get<int>()), 1u);
    });
  }
  while (mux->in_flight() > 0) mux->poll(milliseconds(5000));
}

TEST_F(CurlHttpClientTest, MultiplexerReportsFailuresLikeSend) {
  auto http = client();
  auto mux = http->multiplexer();
  ClosingServer closing(/*reset=*/false);
  std::vector<StatusCode> codes(3, StatusCode::kOk);
  Request empty_reply;
  empty_reply.url = closing.url();
  mux->start(std::move(empty_reply),
             [&codes](Result<Response> outcome) { codes[0] = outcome.status().code(); });
  Request slow;
  slow.url = server_.url("/slow");
  slow.total_timeout = milliseconds(200);
  mux->start(std::move(slow),
             [&codes](Result<Response> outcome) { codes[1] = outcome.status().code(); });
  Request malformed;
  malformed.url = "ht!tp://nope";
  mux->start(std::move(malformed),
             [&codes](Result<Response> outcome) { codes[2] = outcome.status().code(); });
  while (mux->in_flight() > 0) mux->poll(milliseconds(5000));
  server_.release();
  EXPECT_EQ(codes[0], StatusCode::kUnavailable);
  EXPECT_EQ(codes[1], StatusCode::kDeadlineExceeded);
  EXPECT_EQ(codes[2], StatusCode::kInvalidArgument);
}

TEST_F(CurlHttpClientTest, MultiplexerWakeupEndsAWait) {
  auto http = client();
  auto mux = http->multiplexer();
  std::thread waker([&mux] { mux->wakeup(); });
  waker.join();
  // The wake-up is pending, so this returns at once instead of after a minute.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(mux->poll(milliseconds(60000)), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
}

}  // namespace
}  // namespace dlexport::http
