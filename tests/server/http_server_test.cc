// The HTTP surface over the wire: a real server on 127.0.0.1 port 0, cpp-httplib's client.

#include "server/http_server.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>

#include "queue/sqlite/sqlite_job_queue.h"

namespace dlexport::server {
namespace {

const std::string kToken = "control-token-123";
const std::string kSecret = "hook-secret-456";
const std::string kDriver = "6600000000000000000000d1";
const std::string kDataset = "6600000000000000000000aa";
const std::string kA = "aaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kB = "bbbbbbbbbbbbbbbbbbbbbbbb";

std::string item(int n) { return fmt::format("{:024x}", n); }

// Two pages of items; or an error after the first page.
class FakeItemSource final : public worker::ItemSource {
 public:
  Status scan(const std::string& dataset_id, const Json& conditions,
              const PageHandler& on_page) override {
    last_dataset = dataset_id;
    last_conditions = conditions;
    DLX_RETURN_IF_ERROR(on_page({{item(1), "t"}, {item(2), "t"}}));
    if (fail_after_first_page) return unavailable("platform answered 503");
    return on_page({{item(3), "t"}});
  }
  std::string last_dataset;
  Json last_conditions;
  bool fail_after_first_page = false;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    queue_ = std::move(queue::open_sqlite_job_queue({.path = ":memory:"}, clock_)).value();
    start(options());
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  config::ServerOptions options() {
    config::ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.control_token = config::Secret(kToken);
    o.webhook_secret = config::Secret(kSecret);
    o.max_body_bytes = 4096;
    return o;
  }
  void start(const config::ServerOptions& o) {
    if (server_) server_->stop();
    ServerDeps deps;
    deps.queue = queue_.get();
    deps.metrics = &registry_;
    deps.items = &items_;
    deps.ready = [this] { return ready_; };
    deps.on_enqueued = [this] { ++wakes_; };
    deps.clock = &clock_;
    auto server = start_http_server(o, std::move(deps));
    ASSERT_TRUE(server.has_value()) << server.status().to_string();
    server_ = std::move(server).value();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  httplib::Headers auth() const { return {{"Authorization", "Bearer " + kToken}}; }

  httplib::Result post(const std::string& path, const std::string& body,
                       const httplib::Headers& headers) {
    return client_->Post(path.c_str(), headers, body, "application/json");
  }
  httplib::Result post(const std::string& path, const std::string& body) {
    return post(path, body, auth());
  }
  httplib::Result get(const std::string& path) { return client_->Get(path.c_str(), auth()); }

  std::int64_t queued() {
    auto s = queue_->stats().value();
    return s.pending + s.in_flight + s.dead;
  }

  static Json body_of(const httplib::Result& res) { return Json::parse(res->body, nullptr, false); }

  FakeClock clock_;
  metrics::Registry registry_;
  queue::JobQueuePtr queue_;
  FakeItemSource items_;
  Status ready_;
  std::atomic<int> wakes_{0};
  HttpServerPtr server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, HealthReadinessAndMetricsNeedNoToken) {
  auto health = client_->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(body_of(health)["status"], "ok");

  EXPECT_EQ(client_->Get("/readyz")->status, 200);
  ready_ = unavailable("platform unreachable");
  auto not_ready = client_->Get("/readyz");
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(body_of(not_ready)["reason"], "platform unreachable");

  get("/v1/status");
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), metrics::kContentType);
  EXPECT_NE(metrics->body.find("dlexport_http_request_duration_seconds_count{endpoint=\"/v1/"
                               "status\",code=\"200\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("endpoint=\"/readyz\",code=\"503\""), std::string::npos);
  EXPECT_EQ(metrics->body.find(kToken), std::string::npos);
}

TEST_F(HttpServerTest, EveryControlRouteNeedsTheBearerToken) {
  const std::string export_body =
      R"({"driver_id":")" + kDriver + R"(","item_ids":[")" + kA + R"("]})";
  const std::vector<httplib::Headers> wrong = {{},
                                               {{"Authorization", "Bearer wrong"}},
                                               {{"Authorization", "Bearer " + kToken + "x"}},
                                               {{"Authorization", kToken}},
                                               {{"Authorization", "Basic " + kToken}},
                                               {{"Authorization", "Bearer "}}};
  for (const auto& headers : wrong) {
    for (const auto& res :
         {client_->Post("/v1/exports", headers, export_body, "application/json"),
          client_->Get("/v1/exports/1", headers), client_->Get("/v1/status", headers),
          client_->Get("/v1/dead-letters", headers),
          client_->Post("/v1/dead-letters/redrive", headers, R"({"all":true})",
                        "application/json")}) {
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, 401);
      EXPECT_EQ(body_of(res)["error"]["code"], "unauthenticated");
      EXPECT_EQ(res->body.find(kToken), std::string::npos);
    }
  }
  EXPECT_EQ(queued(), 0);
}

TEST_F(HttpServerTest, WithoutAConfiguredTokenTheControlApiIsClosed) {
  config::ServerOptions o = options();
  o.control_token = config::Secret();
  start(o);
  auto res =
      post("/v1/exports", R"({"driver_id":")" + kDriver + R"(","item_ids":[")" + kA + R"("]})",
           {{"Authorization", "Bearer "}});
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(get("/v1/status")->status, 403);
  EXPECT_EQ(queued(), 0);
}

TEST_F(HttpServerTest, PostExportsEnqueuesAndAnswersWithJobIds) {
  auto res = post("/v1/exports", R"({"driver_id":")" + kDriver + R"(","item_ids":[")" + kA +
                                     R"(",")" + kB + R"(",")" + kA + R"("]})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 202) << res->body;
  const Json body = body_of(res);
  EXPECT_EQ(body["target"], "driver:" + kDriver);
  EXPECT_EQ(body["items"], 2);
  ASSERT_EQ(body["job_ids"].size(), 2u);
  EXPECT_EQ(queued(), 2);
  EXPECT_EQ(wakes_.load(), 1);

  const auto id = body["job_ids"][0].get<std::int64_t>();
  auto status = get("/v1/exports/" + std::to_string(id));
  ASSERT_EQ(status->status, 200);
  EXPECT_EQ(body_of(status)["state"], "pending");
  EXPECT_EQ(body_of(status)["item_id"], kA);

  auto batch = queue_->claim("w", 10, std::chrono::seconds(60)).value();
  ASSERT_EQ(queue_->ack("w", std::vector<queue::JobId>{batch.jobs[0].id}).value(), 1);
  auto done = get("/v1/exports/" + std::to_string(batch.jobs[0].id));
  EXPECT_EQ(body_of(done)["state"], "done");
  EXPECT_TRUE(body_of(done).contains("finished_at"));

  EXPECT_EQ(get("/v1/exports/999999")->status, 404);
  EXPECT_EQ(get("/v1/exports/abc")->status, 400);
  EXPECT_EQ(get("/v1/exports/-1")->status, 400);
}

TEST_F(HttpServerTest, BadInputIsA4xxJsonErrorAndEnqueuesNothing) {
  struct Case {
    std::string body;
    int status;
    std::string message;
  };
  const std::string d = R"({"driver_id":")" + kDriver + R"(",)";
  const std::vector<Case> cases = {
      {"{not json", 400, "not valid JSON"},
      {d + R"("item_ids":[")" + kA + R"("],"priority":1})", 400, "unknown field \"priority\""},
      {d + R"("item_ids":["123"]})", 400, "24-hex"},
      {R"({"driver_id":"66","item_ids":[")" + kA + R"("]})", 400, "driver_id"},
      {d + R"("dataset_id":")" + kDataset + R"(","query":[1]})", 400, "JSON object"},
      {d + R"("item_ids":[")" + kA + R"("],"dataset_id":")" + kDataset + R"("})", 400,
       "exactly one"},
      {d + R"("item_ids":[")" + std::string(5000, 'a') + R"("]})", 413, "too large"},
  };
  for (const Case& c : cases) {
    auto res = post("/v1/exports", c.body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, c.status) << c.body.substr(0, 100);
    const Json body = body_of(res);
    ASSERT_TRUE(body.is_object()) << res->body;
    EXPECT_NE(body["error"]["message"].get<std::string>().find(c.message), std::string::npos)
        << res->body;
  }
  EXPECT_EQ(queued(), 0);
  EXPECT_EQ(wakes_.load(), 0);
  EXPECT_EQ(client_->Get("/nowhere")->status, 404);
  EXPECT_EQ(body_of(client_->Get("/nowhere"))["error"]["code"], "not_found");
}

TEST_F(HttpServerTest, DatasetExportPagesThroughTheItemSource) {
  auto res = post("/v1/exports", R"({"driver_id":")" + kDriver + R"(","dataset_id":")" + kDataset +
                                     R"(","query":{"dir":"/incoming"}})");
  ASSERT_EQ(res->status, 202) << res->body;
  EXPECT_EQ(body_of(res)["items"], 3);
  EXPECT_EQ(body_of(res)["job_ids"].size(), 3u);
  EXPECT_EQ(items_.last_dataset, kDataset);
  EXPECT_EQ(items_.last_conditions, Json::array({{{"dir", "/incoming"}}}));
  EXPECT_EQ(queued(), 3);

  // No query: every item (no extra condition).
  post("/v1/exports", R"({"driver_id":")" + kDriver + R"(","dataset_id":")" + kDataset + R"("})");
  EXPECT_EQ(items_.last_conditions, Json::array());

  items_.fail_after_first_page = true;
  auto failed = post("/v1/exports",
                     R"({"driver_id":")" + kDriver + R"(","dataset_id":")" + kDataset + R"("})");
  EXPECT_EQ(failed->status, 502);
  EXPECT_NE(body_of(failed)["error"]["message"].get<std::string>().find("503"), std::string::npos);
}

TEST_F(HttpServerTest, StatusDeadLettersAndRedrive) {
  const auto ids = queue_
                       ->enqueue(queue::Target::driver(kDriver),
                                 std::vector<std::string>{item(1), item(2), item(3)})
                       .value();
  auto batch = queue_->claim("w", 2, std::chrono::seconds(60)).value();
  for (const auto& job : batch.jobs) {
    ASSERT_TRUE(queue_->fail("w", job.id, failed_precondition("unsafe driver"), std::nullopt));
  }
  auto status = get("/v1/status");
  ASSERT_EQ(status->status, 200);
  const Json s = body_of(status);
  EXPECT_EQ(s["queue"]["depth"], 1);
  EXPECT_EQ(s["queue"]["in_flight"], 0);
  EXPECT_EQ(s["queue"]["dead_letters"], 2);
  EXPECT_EQ(s["targets"]["driver:" + kDriver]["dead_letters"], 2);

  auto dead = get("/v1/dead-letters?limit=1");
  ASSERT_EQ(dead->status, 200);
  ASSERT_EQ(body_of(dead)["dead_letters"].size(), 1u);
  EXPECT_NE(body_of(dead)["dead_letters"][0]["last_error"].get<std::string>().find("unsafe"),
            std::string::npos);
  EXPECT_EQ(get("/v1/dead-letters?limit=0")->status, 400);
  EXPECT_EQ(get("/v1/dead-letters?limit=x")->status, 400);

  auto one = post("/v1/dead-letters/redrive", R"({"job_ids":[)" + std::to_string(ids[0]) + "]}");
  ASSERT_EQ(one->status, 200) << one->body;
  EXPECT_EQ(body_of(one)["redriven"], Json(std::vector<queue::JobId>{ids[0]}));
  EXPECT_EQ(post("/v1/dead-letters/redrive", R"({"job_ids":"all"})")->status, 400);
  auto all = post("/v1/dead-letters/redrive", R"({"all":true})");
  EXPECT_EQ(body_of(all)["redriven"], Json(std::vector<queue::JobId>{ids[1]}));
  EXPECT_EQ(queue_->stats().value().dead, 0);
}

TEST_F(HttpServerTest, WebhookNeedsTheSharedSecret) {
  const std::string path = "/v1/hooks/dataloop/" + kDriver;
  const std::string body = R"({"id":")" + kA + R"("})";
  EXPECT_EQ(post(path, body, {})->status, 401);
  EXPECT_EQ(post(path, body, {{"X-Dlexport-Secret", "nope"}})->status, 401);
  EXPECT_EQ(post(path + "?secret=nope", body, {})->status, 401);
  EXPECT_EQ(post(path, body, auth())->status, 401) << "the control token is not the secret";
  EXPECT_EQ(queued(), 0);

  auto by_header = post(path, body, {{"X-Dlexport-Secret", kSecret}});
  EXPECT_EQ(by_header->status, 202) << by_header->body;
  auto by_query = post(path + "?secret=" + kSecret, R"({"itemId":")" + kB + R"("})", {});
  EXPECT_EQ(by_query->status, 202) << by_query->body;
  EXPECT_EQ(queued(), 2);

  config::ServerOptions o = options();
  o.webhook_secret = config::Secret();
  start(o);
  EXPECT_EQ(post(path + "?secret=", body, {})->status, 403);
}

TEST_F(HttpServerTest, WebhookEnqueuesEveryShapeAndRejectsUnknownOnes) {
  const std::string path = "/v1/hooks/dataloop/" + kDriver + "?secret=" + kSecret;
  const std::vector<std::pair<std::string, int>> shapes = {
      {R"({"id":")" + item(1) + R"("})", 1},
      {R"({"itemId":")" + item(2) + R"("})", 1},
      {R"({"resource":"Item","resourceId":")" + item(3) + R"("})", 1},
      {R"({"item":{"id":")" + item(4) + R"("}})", 1},
      {R"({"body":{"id":")" + item(5) + R"("}})", 1},
      {R"([{"id":")" + item(6) + R"("},{"id":")" + item(7) + R"("},{"id":")" + item(6) + R"("}])",
       2},
  };
  for (const auto& [body, count] : shapes) {
    auto res = post(path, body, {});
    ASSERT_EQ(res->status, 202) << body << " " << res->body;
    EXPECT_EQ(body_of(res)["items"], count);
  }
  EXPECT_EQ(queued(), 7);

  for (const std::string& bad : {std::string(R"({"event":"ping"})"), std::string("garbage"),
                                 std::string(R"({"id":"not-an-id"})"), std::string("[]")}) {
    auto res = post(path, bad, {});
    EXPECT_EQ(res->status, 400) << bad;
    EXPECT_TRUE(body_of(res)["error"].is_object());
  }
  EXPECT_EQ(post("/v1/hooks/dataloop/not-a-driver?secret=" + kSecret, shapes[0].first, {})->status,
            400);
  EXPECT_EQ(queued(), 7);
  const std::string metrics = client_->Get("/metrics")->body;
  EXPECT_NE(metrics.find("dlexport_webhook_requests_total{result=\"rejected\"} 5"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find(kSecret), std::string::npos);
}

TEST_F(HttpServerTest, StoppedIntakeRefusesNewExportsButStillAnswersStatus) {
  server_->stop_intake();
  auto res =
      post("/v1/exports", R"({"driver_id":")" + kDriver + R"(","item_ids":[")" + kA + R"("]})");
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(
      post("/v1/hooks/dataloop/" + kDriver + "?secret=" + kSecret, R"({"id":")" + kA + R"("})", {})
          ->status,
      503);
  EXPECT_EQ(get("/v1/status")->status, 200);
  EXPECT_EQ(body_of(get("/v1/status"))["intake"], "closed");
  EXPECT_EQ(queued(), 0);
}

TEST(HttpServerStartTest, RejectsABadListenAddressAndMissingDependencies) {
  metrics::Registry registry;
  FakeClock clock;
  auto queue = std::move(queue::open_sqlite_job_queue({.path = ":memory:"}, clock)).value();
  config::ServerOptions o;
  o.listen = "nonsense";
  ServerDeps deps;
  deps.queue = queue.get();
  deps.metrics = &registry;
  EXPECT_EQ(start_http_server(o, deps).status().code(), StatusCode::kInvalidArgument);
  o.listen = "127.0.0.1:0";
  EXPECT_EQ(start_http_server(o, ServerDeps{}).status().code(), StatusCode::kInvalidArgument);
  auto ok = start_http_server(o, deps);
  ASSERT_TRUE(ok.has_value());
  EXPECT_GT((*ok)->port(), 0);
}

}  // namespace
}  // namespace dlexport::server
