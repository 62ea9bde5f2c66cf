// The HTTP surface against an in-process emulator: auth, every route's happy path and 404,
// uploads as the SDK sends them, driver storage, admin API, faults, latency, concurrency.

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "emulator/jwt.h"
#include "tests/emulator/wire/upload_helper.h"
#include "tests/emulator/wire/wire_fixture.h"

namespace dlexport::emulator::wire_test {
namespace {

using namespace std::chrono_literals;

void expect_error_body(const httplib::Result& r, int status) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, status);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
  Json body = Json::parse(r->body);
  EXPECT_EQ(body["status"], status);
  EXPECT_TRUE(body["message"].is_string());
  EXPECT_FALSE(r->get_header_value("x-request-id").empty());
}

// ---- auth ----------------------------------------------------------------------------------

TEST_F(WireTest, MissingMalformedWrongSignatureAndExpiredTokensAre401) {
  auto c = client();
  expect_error_body(c->Get("/api/v1/users/me"), 401);
  expect_error_body(c->Get("/api/v1/users/me", {{"authorization", "Bearer nope"}}), 401);
  expect_error_body(c->Get("/api/v1/users/me", {{"authorization", "Basic abc"}}), 401);
  const std::string wrong = make_token("x@example.com", 1h, "another-secret");
  expect_error_body(c->Get("/api/v1/users/me", {{"authorization", "Bearer " + wrong}}), 401);
  const std::string expired = sign_jwt(
      Json{{"email", "x@example.com"}, {"iat", unix_now() - 100}, {"exp", unix_now() - 10}},
      std::string(kDefaultJwtSecret));
  expect_error_body(c->Get("/api/v1/users/me", {{"authorization", "Bearer " + expired}}), 401);
  // Auth is checked on every API route, including unknown ids.
  expect_error_body(c->Get(std::string("/api/v1/items/") + kItem), 401);
}

TEST_F(WireTest, UsersMeAcceptsAnyHeaderCase) {
  auto c = client();
  auto r = c->Get("/api/v1/users/me", {{"AUTHORIZATION", "Bearer " + token_}});
  Json me = body_json(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(me["email"], "tester@example.com");
  for (const char* key : {"id", "username", "firstName", "lastName", "createdAt", "type"}) {
    EXPECT_TRUE(me.contains(key)) << key;
  }
}

TEST_F(WireTest, TokenEndpointBothGrantsAndBadCredentials) {
  auto c = client();
  auto r = c->Post("/token?default", R"({"type": "refresh_token", "refresh_token": "refresh-abc"})",
                   "application/json");
  Json tokens = body_json(r);
  ASSERT_EQ(r->status, 200);
  for (const char* key :
       {"id_token", "access_token", "refresh_token", "token_type", "expires_in"}) {
    EXPECT_TRUE(tokens.contains(key)) << key;
  }
  auto me = c->Get("/api/v1/users/me",
                   {{"authorization", "Bearer " + tokens["id_token"].get<std::string>()}});
  EXPECT_EQ(body_json(me)["email"], "bot@example.com");
  // The refresh token handed out works in turn.
  r = c->Post("/token?default",
              Json{{"type", "refresh_token"}, {"refresh_token", tokens["refresh_token"]}}.dump(),
              "application/json");
  EXPECT_EQ(r->status, 200);

  r = c->Post(
      "/token?default",
      R"({"username": "bot@example.com", "password": "s3cret", "type": "user_credentials"})",
      "application/json");
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(verify_jwt(body_json(r)["id_token"].get<std::string>(),
                         std::string(kDefaultJwtSecret), unix_now())
                  .has_value());

  expect_error_body(
      c->Post("/token?default",
              R"({"username": "bot@example.com", "password": "nope", "type": "user_credentials"})",
              "application/json"),
      401);
  expect_error_body(c->Post("/token?default", R"({"type": "refresh_token", "refresh_token": "x"})",
                            "application/json"),
                    401);
  expect_error_body(c->Post("/token?default", "{", "application/json"), 400);
}

TEST_F(WireTest, SdkCheckNeedsNoAuthAndGetJwtHonoursAgentSecret) {
  auto c = client();
  auto r = c->Post("/api/v1/sdk/check", "version=1.124.2&email=probe-user%40example.com",
                   "application/x-www-form-urlencoded");
  EXPECT_EQ(body_json(r), Json::parse(R"({"level": "debug", "msg": "ok"})"));

  r = c->Get("/get_jwt");
  ASSERT_EQ(r->status, 200);
  EXPECT_TRUE(
      verify_jwt(body_json(r)["jwt"].get<std::string>(), std::string(kDefaultJwtSecret), unix_now())
          .has_value());

  ServerOptions options;
  options.agent_secret = "agent-secret-123";
  start(options);
  c = client();
  expect_error_body(c->Get("/get_jwt"), 401);
  expect_error_body(c->Get("/get_jwt", {{"X-Get-Jwt-Secret", "wrong"}}), 401);
  EXPECT_EQ(c->Get("/get_jwt", {{"X-Get-Jwt-Secret", "agent-secret-123"}})->status, 200);
}

// ---- routes --------------------------------------------------------------------------------

TEST_F(WireTest, GetByIdRoutesServeFixtureAndAnswer404ForUnknownIds) {
  auto c = client();
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"projects", kProject},
      {"drivers", kDriverKeep},
      {"datasets", kDataset},
      {"items", kItem},
      {"services", "6600000000000000000000c3"},
      {"packages", "6600000000000000000000c4"},
      {"pipelines", "6600000000000000000000c5"},
      {"recipes", "6600000000000000000000ae"},
      {"ontologies", "6600000000000000000000af"},
      {"commands", "6600000000000000000000cc"},
  };
  for (const auto& [collection, id] : routes) {
    auto r = c->Get("/api/v1/" + collection + "/" + id, auth());
    ASSERT_TRUE(r) << collection;
    EXPECT_EQ(r->status, 200) << collection << ": " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
    EXPECT_EQ(Json::parse(r->body)["id"], id) << collection;
    expect_error_body(c->Get("/api/v1/" + collection + "/" + kMissing, auth()), 404);
  }
  Json item = body_json(c->Get(std::string("/api/v1/items/") + kItem, auth()));
  EXPECT_EQ(item["projectId"], kProject);
  EXPECT_EQ(item["url"], server_->api_base_url() + "/items/" + kItem);
}

TEST_F(WireTest, UnknownRouteAndBadJsonAnswerJsonErrors) {
  auto c = client();
  expect_error_body(c->Get("/api/v1/nothing/here", auth()), 404);
  expect_error_body(c->Get("/elsewhere"), 404);
  expect_error_body(c->Post("/api/v1/datasets/query", auth(), "{not json", "application/json"),
                    400);
  expect_error_body(c->Post("/api/v1/webhooks", auth(), "[1, 2]", "application/json"), 400);
}

TEST_F(WireTest, OversizedPayloadGetsAJsonError) {
  ServerOptions options;
  options.payload_max_bytes = 1024;
  start(options);
  expect_error_body(
      client()->Post("/api/v1/datasets/query", auth(), std::string(4096, ' '), "application/json"),
      413);
}

TEST_F(WireTest, DriversListIsAPlainArrayFilteredByProject) {
  auto c = client();
  Json drivers = body_json(c->Get(std::string("/api/v1/drivers?projectId=") + kProject, auth()));
  ASSERT_TRUE(drivers.is_array());
  EXPECT_EQ(drivers.size(), 2u);
  drivers = body_json(c->Get("/api/v1/drivers?projectId=6600000000000000000000ff", auth()));
  EXPECT_EQ(drivers, Json::array());
}

TEST_F(WireTest, DatasetLifecycleCreateQueryPatchDelete) {
  auto c = client();
  Json created = body_json(c->Post("/api/v1/datasets", auth(),
                                   Json{{"name", "Export Storage Driver - d1"},
                                        {"projects", {kProject}},
                                        {"createDefaultRecipe", true},
                                        {"driver", kDriverKeep}}
                                       .dump(),
                                   "application/json"));
  const std::string id = created["id"].get<std::string>();
  EXPECT_EQ(created["creator"], "tester@example.com");
  EXPECT_EQ(created["driver"], kDriverKeep);

  Json patch = created;
  patch["metadata"]["system"]["scope"] = "system";
  patch["metadata"]["system"]["exportSolution"] = true;
  auto r =
      c->Patch("/api/v1/datasets/" + id + "?system=true", auth(), patch.dump(), "application/json");
  ASSERT_EQ(r->status, 200) << r->body;

  Json query = {{"filter", {{"$and", {{{"metadata.system.exportSolution", true}}}}}},
                {"page", 0},
                {"pageSize", 1000},
                {"resource", "datasets"},
                {"context", {{"projects", {kProject}}}},
                {"systemSpace", true}};
  Json page =
      body_json(c->Post("/api/v1/datasets/query", auth(), query.dump(), "application/json"));
  ASSERT_EQ(page["totalItemsCount"], 1) << page.dump();
  EXPECT_EQ(page["items"][0]["id"], id);
  for (const char* key : {"totalPagesCount", "hasNextPage"}) EXPECT_TRUE(page.contains(key));

  r = c->Delete("/api/v1/datasets/" + id, auth());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
  expect_error_body(c->Get("/api/v1/datasets/" + id, auth()), 404);
  expect_error_body(c->Delete("/api/v1/datasets/" + id, auth()), 404);
  expect_error_body(
      c->Patch(std::string("/api/v1/datasets/") + kMissing, auth(), "{}", "application/json"), 404);
}

TEST_F(WireTest, ItemAndAnnotationQueriesAndDeleteByQuery) {
  auto c = client();
  Json annotations =
      body_json(c->Post(std::string("/api/v1/datasets/") + kDataset + "/query", auth(),
                        Json{{"filter", {{"$and", {{{"itemId", kItem}}}}}},
                             {"sort", {{"id", "ascending"}}},
                             {"page", 0},
                             {"pageSize", 1000},
                             {"resource", "annotations"}}
                            .dump(),
                        "application/json"));
  ASSERT_EQ(annotations["totalItemsCount"], 1) << annotations.dump();
  EXPECT_EQ(annotations["items"][0]["id"], kAnnotation);

  Json items_query = {{"filter", {{"$and", {{{"hidden", false}}, {{"type", "file"}}}}}},
                      {"resource", "items"}};
  Json items = body_json(c->Post(std::string("/api/v1/datasets/") + kDataset + "/query", auth(),
                                 items_query.dump(), "application/json"));
  EXPECT_EQ(items["totalItemsCount"], 1);

  items_query["delete"] = true;
  Json deleted = body_json(c->Post(std::string("/api/v1/datasets/") + kDataset + "/query", auth(),
                                   items_query.dump(), "application/json"));
  EXPECT_EQ(deleted, Json::parse(R"({"deleted": 1})"));
  expect_error_body(c->Get(std::string("/api/v1/items/") + kItem, auth()), 404);
  expect_error_body(c->Post(std::string("/api/v1/datasets/") + kMissing + "/query", auth(),
                            items_query.dump(), "application/json"),
                    404);
}

TEST_F(WireTest, WebhookAndTriggerAreCreatedWithCaller) {
  auto c = client();
  Json hook = body_json(c->Post("/api/v1/webhooks", auth(),
                                Json{{"name", "export-hook"},
                                     {"httpMethod", "POST"},
                                     {"hookUrl", "https://export.example.com/dataloop/events"},
                                     {"project", kProject}}
                                    .dump(),
                                "application/json"));
  ASSERT_TRUE(hook["id"].is_string()) << hook.dump();
  EXPECT_EQ(hook["creator"], "tester@example.com");
  Json trigger =
      body_json(c->Post("/api/v1/triggers", auth(),
                        Json{{"type", "Event"},
                             {"active", true},
                             {"projectId", kProject},
                             {"name", "export-on-create"},
                             {"spec",
                              {{"filter", Json::object()},
                               {"resource", "Item"},
                               {"executionMode", "Always"},
                               {"actions", {"Created"}},
                               {"input", Json::object()},
                               {"operation", {{"type", "webhook"}, {"webhookId", hook["id"]}}}}}}
                            .dump(),
                        "application/json"));
  ASSERT_TRUE(trigger["id"].is_string()) << trigger.dump();
  EXPECT_EQ(body_json(c->Get("/api/v1/webhooks/" + hook["id"].get<std::string>(), auth()))["id"],
            hook["id"]);
}

// ---- uploads -------------------------------------------------------------------------------

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(WireTest, ChunkedMultipartUploadTakesPathFromPathField) {
  auto c = client();
  const std::string path = "/папка/тест файл.json";
  auto r = upload(*c, kDataset, token_, path, R"({"k": 1})", "skip",
                  {{"metadata", R"({"user": {"exported": true}})", "", "text/plain; charset=utf-8"},
                   {"description", "export of x", "", "text/plain; charset=utf-8"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("x-item-op"), "created");
  Json item = Json::parse(r->body);
  EXPECT_EQ(item["filename"], path);
  EXPECT_EQ(item["name"], "тест файл.json");
  EXPECT_EQ(item["dir"], "/папка");
  EXPECT_EQ(item["metadata"]["system"]["size"], 8);
  EXPECT_EQ(item["metadata"]["system"]["mimetype"], "application/json");
  EXPECT_EQ(item["metadata"]["user"]["exported"], true);
  EXPECT_EQ(item["description"], "export of x");
  EXPECT_EQ(item["creator"], "tester@example.com");
  EXPECT_EQ(item["projectId"], kProject);

  // skip: the existing item comes back untouched.
  r = upload(*c, kDataset, token_, path, R"({"k": 2})", "skip");
  EXPECT_EQ(r->get_header_value("x-item-op"), "skip");
  EXPECT_EQ(Json::parse(r->body)["id"], item["id"]);

  // Bad requests.
  expect_error_body(upload(*c, kDataset, token_, "/a.json", "{}", "sideways"), 400);
  expect_error_body(upload(*c, kMissing, token_, "/a.json", "{}"), 404);
  expect_error_body(upload(*c, kDataset, "bad-token", "/a.json", "{}"), 401);
  expect_error_body(c->Post(std::string("/api/v1/datasets/") + kDataset + "/items", auth(), "{}",
                            "application/json"),
                    400);
}

Json make_driver_dataset(httplib::Client& c, const httplib::Headers& auth, const char* driver) {
  auto r = c.Post("/api/v1/datasets", auth,
                  Json{{"name", std::string("ds-") + driver},
                       {"projects", {kProject}},
                       {"createDefaultRecipe", true},
                       {"driver", driver}}
                      .dump(),
                  "application/json");
  return Json::parse(r->body);
}

TEST_F(WireTest, DriverStorageKeepsFilesUnlessAllowExternalDelete) {
  auto c = client();
  Json keep = make_driver_dataset(*c, auth(), kDriverKeep);
  Json del = make_driver_dataset(*c, auth(), kDriverDelete);

  auto r = upload(*c, keep["id"], token_, "/folder/sub/image_001.json", R"({"a": 1})");
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string keep_item = Json::parse(r->body)["id"];
  const auto keep_file = root_ / "keep" / "exports" / "root" / "folder" / "sub" / "image_001.json";
  EXPECT_EQ(read_file(keep_file), R"({"a": 1})");

  // overwrite replaces the bytes even when the size is the same.
  r = upload(*c, keep["id"], token_, "/folder/sub/image_001.json", R"({"a": 2})", "overwrite");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("x-item-op"), "overwrite");
  EXPECT_EQ(read_file(keep_file), R"({"a": 2})");
  r = c->Get("/api/v1/items/" + keep_item + "/stream", auth());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"a": 2})");
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");

  r = c->Delete("/api/v1/items/" + keep_item, auth());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
  EXPECT_TRUE(std::filesystem::exists(keep_file)) << "allowExternalDelete false keeps the object";
  expect_error_body(c->Delete("/api/v1/items/" + keep_item, auth()), 404);

  r = upload(*c, del["id"], token_, "/x/y.json", "{}");
  ASSERT_EQ(r->status, 200) << r->body;
  const auto del_file = root_ / "del" / "x" / "y.json";
  EXPECT_TRUE(std::filesystem::exists(del_file));
  EXPECT_EQ(
      c->Delete("/api/v1/items/" + Json::parse(r->body)["id"].get<std::string>(), auth())->status,
      200);
  EXPECT_FALSE(std::filesystem::exists(del_file)) << "allowExternalDelete true removes it";
}

// ---- admin ---------------------------------------------------------------------------------

TEST_F(WireTest, AdminFixtureGenerateAndStats) {
  auto c = client();
  auto r = c->Post("/__admin/fixture",
                   R"({"projects": [{"id": "6600000000000000000001a1", "name": "other"}]})",
                   "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(c->Get("/api/v1/projects/6600000000000000000001a1", auth())->status, 200);
  expect_error_body(c->Post("/__admin/fixture", "nope", "application/json"), 400);

  r = c->Post(
      "/__admin/generate",
      R"({"project_id": "6600000000000000000002a1", "dataset_id": "6600000000000000000002e5",
                  "items": 5, "annotations_per_item": 2, "seed": 1})",
      "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  Json generated = Json::parse(r->body);
  ASSERT_EQ(generated["item_ids"].size(), 5u);
  EXPECT_EQ(c->Get("/api/v1/items/" + generated["item_ids"][0].get<std::string>(), auth())->status,
            200);

  c->Post("/__admin/stats/reset", "", "application/json");
  c->Get(std::string("/api/v1/items/") + kItem, auth());
  c->Get(std::string("/api/v1/items/") + kMissing, auth());
  c->Get(std::string("/api/v1/items/") + kItem);  // 401, still counted
  c->Post(std::string("/api/v1/datasets/") + kDataset + "/query", auth(), "{}", "application/json");
  c->Post("/token?default", "{}", "application/json");
  c->Get("/__admin/faults");  // admin: not counted
  Json stats = body_json(c->Get("/__admin/stats"));
  EXPECT_EQ(stats["total"], 5) << stats.dump();
  EXPECT_EQ(stats["requests"]["GET /items/{id}"], 3);
  EXPECT_EQ(stats["requests"]["POST /datasets/{id}/query"], 1);
  EXPECT_EQ(stats["requests"]["POST /token"], 1);
  c->Post("/__admin/stats/reset", "", "application/json");
  EXPECT_EQ(body_json(c->Get("/__admin/stats"))["total"], 0);
  expect_error_body(c->Get("/__admin/nothing"), 404);
}

// ---- faults --------------------------------------------------------------------------------

TEST_F(WireTest, FaultsAnswer503WithRetryAfterAnd429AndCount) {
  auto c = client();
  auto r = c->Put("/__admin/faults",
                  R"({"seed": 7, "rules": [
                       {"route": "GET /items/{id}", "status": 503, "rate": 1.0, "retry_after": 2, "count": 2},
                       {"route": "POST /datasets/{id}/query", "status": 429, "rate": 1.0}]})",
                  "application/json");
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string item_path = std::string("/api/v1/items/") + kItem;
  r = c->Get(item_path, auth());
  expect_error_body(r, 503);
  EXPECT_EQ(r->get_header_value("Retry-After"), "2");
  expect_error_body(c->Get(item_path, auth()), 503);
  EXPECT_EQ(c->Get(item_path, auth())->status, 200) << "count 2 is used up";
  r = c->Post(std::string("/api/v1/datasets/") + kDataset + "/query", auth(), "{}",
              "application/json");
  expect_error_body(r, 429);
  EXPECT_FALSE(r->has_header("Retry-After"));
  EXPECT_EQ(body_json(c->Get("/__admin/faults"))["rules"][0]["fired"], 2);
  EXPECT_EQ(body_json(c->Get("/__admin/stats"))["requests"]["GET /items/{id}"], 3);

  c->Delete("/__admin/faults");
  EXPECT_EQ(c->Post(std::string("/api/v1/datasets/") + kDataset + "/query", auth(), "{}",
                    "application/json")
                ->status,
            200);
  expect_error_body(c->Put("/__admin/faults", R"({"rules": [{"rate": 5}]})", "application/json"),
                    400);
}

TEST_F(WireTest, ResetFaultDropsTheConnectionWithoutAnAnswer) {
  auto c = client();
  c->Put("/__admin/faults",
         R"({"rules": [{"route": "GET /items/{id}", "reset": true, "count": 1}]})",
         "application/json");
  auto r = c->Get(std::string("/api/v1/items/") + kItem, auth());
  EXPECT_FALSE(r) << "got an HTTP answer " << r->status << " instead of a transport error";
  // The server lives on and the next call (new connection) is served.
  auto again = client()->Get(std::string("/api/v1/items/") + kItem, auth());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(WireTest, SameSeedSameFaultSequenceOverTheWire) {
  auto run = [&] {
    auto c = client();
    c->Put("/__admin/faults",
           R"({"seed": 42, "rules": [{"route": "*", "status": 503, "rate": 0.5}]})",
           "application/json");
    std::string trace;
    for (int i = 0; i < 40; ++i) {
      trace += c->Get(std::string("/api/v1/items/") + kItem, auth())->status == 503 ? 'x' : '.';
    }
    return trace;
  };
  const std::string first = run();
  EXPECT_EQ(first, run());
  EXPECT_NE(first.find('x'), std::string::npos);
  EXPECT_NE(first.find('.'), std::string::npos);
}

// ---- latency and concurrency ---------------------------------------------------------------

TEST_F(WireTest, LatencyDoesNotSerialiseRequests) {
  ServerOptions options;
  options.latency_ms = 200;
  start(options);
  const auto begin = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = client()->Get(std::string("/api/v1/items/") + kItem, auth());
      if (r && r->status == 200) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(ok, 8);
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 4 * 200ms) << "latency serialised the requests";

  // The fault plan's latency overrides the base one.
  client()->Put("/__admin/faults", R"({"latency_ms": 0})", "application/json");
  const auto quick = std::chrono::steady_clock::now();
  client()->Get(std::string("/api/v1/items/") + kItem, auth());
  EXPECT_LT(std::chrono::steady_clock::now() - quick, 200ms);
}

TEST_F(WireTest, SixtyFourKeepAliveClientsMixedRequests) {
  constexpr int kClients = 64;
  constexpr int kRounds = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_keep_alive(true);
      for (int i = 0; i < kRounds; ++i) {
        auto get = c.Get(std::string("/api/v1/items/") + kItem, auth());
        if (!get || get->status != 200) ++failures;
        const std::string path = "/c" + std::to_string(t) + "/f" + std::to_string(i) + ".json";
        auto up = upload(c, kDataset, token_, path, "{\"t\": " + std::to_string(t) + "}");
        if (!up || up->status != 200) {
          ++failures;
          continue;
        }
        auto del =
            c.Delete("/api/v1/items/" + Json::parse(up->body)["id"].get<std::string>(), auth());
        if (!del || del->status != 200) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(server_->stats().count("POST /datasets/{id}/items"), kClients * kRounds);
}

TEST(ServerOptions, RefusesNonLoopbackUnlessAllowed) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  ServerOptions options;
  options.host = "0.0.0.0";
  auto refused = Server::start(options);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("--allow-remote"), std::string::npos);
}

}  // namespace
}  // namespace dlexport::emulator::wire_test
