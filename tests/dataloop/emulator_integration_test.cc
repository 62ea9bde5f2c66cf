// The Dataloop client end to end against dlexport-emulator: every operation, token renewal over
// the wire, paging and batched annotations on generated data, and fault plans that a caller
// wrapping each call in RetryPolicy rides through with every operation done once in effect.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dataloop/client.h"
#include "http/curl/curl_http_client.h"
#include "tests/support/emulator_process.h"
#include "worker/retry_policy.h"

namespace dlexport::dataloop {
namespace {

using dlexport::testing::EmulatorProcess;
using std::chrono::milliseconds;

constexpr char kProject[] = "6600000000000000000000a1";
constexpr char kDriver[] = "6600000000000000000000d1";
constexpr char kUnsafeDriver[] = "6600000000000000000000d2";

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

class EmulatorIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    emulator_ = EmulatorProcess::start({}, &error).release();
    ASSERT_NE(emulator_, nullptr) << error;
    auto http = http::make_curl_http_client();
    ASSERT_TRUE(http.has_value());
    http_ = new http::HttpClientPtr(*http);
    const Json fixture = Json::parse(R"({
      "projects": [{"id": "6600000000000000000000a1", "name": "it-project"}],
      "drivers": [
        {"id": "6600000000000000000000d1", "type": "s3", "name": "exports",
         "projectId": "6600000000000000000000a1", "allowExternalDelete": false,
         "bucketName": "it-bucket", "path": "exports/root", "region": "eu-west-1"},
        {"id": "6600000000000000000000d2", "type": "gcs", "name": "unsafe",
         "projectId": "6600000000000000000000a1", "bucket": "other"}],
      "users": [{"email": "it@example.com", "refresh_token": "it-refresh"},
                {"email": "bot@example.com", "password": "it-password"}]})");
    auto loaded = admin(http::Method::kPost, "/__admin/fixture", fixture);
    ASSERT_TRUE(loaded.has_value()) << loaded.status().to_string();
  }
  static void TearDownTestSuite() {
    delete emulator_;
    delete http_;
    emulator_ = nullptr;
    http_ = nullptr;
  }

  static Result<Json> admin(http::Method method, const std::string& path, const Json& body) {
    http::Request request;
    request.method = method;
    request.url = emulator_->gate_url() + path;
    if (!body.is_null()) {
      request.headers.set("Content-Type", "application/json");
      request.body = body.dump();
    }
    DLX_ASSIGN_OR_RETURN(http::Response response, (*http_)->send(request));
    if (response.status != 200) {
      return internal_error("admin " + path + ": " + std::to_string(response.status) + " " +
                            response.body);
    }
    return Json::parse(response.body);
  }
  static std::int64_t route_count(const Json& stats, const std::string& route) {
    const Json& requests = stats["requests"];
    return requests.contains(route) ? requests[route].get<std::int64_t>() : 0;
  }

  static std::string token(const std::string& email, int ttl_seconds) {
    auto out = dlexport::testing::run_emulator_command(
        {"token", "--email", email, "--ttl", std::to_string(ttl_seconds)});
    EXPECT_EQ(out.exit_code, 0);
    return trim(out.out);
  }

  ClientOptions options(std::string bearer) const {
    ClientOptions o;
    o.api_base_url = emulator_->api_base_url();
    o.token = std::move(bearer);
    o.connect_timeout = milliseconds(2000);
    o.request_timeout = milliseconds(10000);
    return o;
  }

  static EmulatorProcess* emulator_;
  static http::HttpClientPtr* http_;
};

EmulatorProcess* EmulatorIntegrationTest::emulator_ = nullptr;
http::HttpClientPtr* EmulatorIntegrationTest::http_ = nullptr;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(EmulatorIntegrationTest, EveryOperation) {
  Client client(options(token("it@example.com", 3600)), *http_);
  auto user = client.connect();
  ASSERT_TRUE(user.has_value()) << user.status().to_string();
  EXPECT_EQ(client.email(), "it@example.com");

  auto driver = client.get_driver(kDriver);
  ASSERT_TRUE(driver.has_value()) << driver.status().to_string();
  ASSERT_TRUE(driver->allow_external_delete.has_value());
  EXPECT_FALSE(*driver->allow_external_delete);
  EXPECT_EQ(driver->bucket, "it-bucket");
  auto unsafe = client.get_driver(kUnsafeDriver);
  ASSERT_TRUE(unsafe.has_value());
  EXPECT_EQ(unsafe->bucket, "other");
  EXPECT_EQ(client.get_driver("6600000000000000000000ff").status().code(), StatusCode::kNotFound);
  auto drivers = client.list_drivers(kProject);
  ASSERT_TRUE(drivers.has_value());
  EXPECT_EQ(drivers->size(), 2u);

  // Staging dataset: create, mark as system, find it through a systemSpace query.
  const std::string name = std::string("Export Storage Driver - ") + kDriver;
  auto dataset = client.create_dataset(name, kProject, kDriver);
  ASSERT_TRUE(dataset.has_value()) << dataset.status().to_string();
  EXPECT_EQ(dataset->driver_id, kDriver);
  Json marked = dataset->raw;
  marked["metadata"]["system"]["scope"] = "system";
  marked["metadata"]["system"]["exportSolution"] = true;
  ASSERT_TRUE(client.patch_dataset_system(marked).is_ok());
  auto found = client.query_datasets(
      Json::parse(R"({"$and":[{"metadata.system.exportSolution":true}]})"), kProject, true);
  ASSERT_TRUE(found.has_value()) << found.status().to_string();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().id, dataset->id);
  auto got = client.get_dataset(dataset->id);
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->system_scope);
  EXPECT_TRUE(got->export_solution);

  // Upload, overwrite, read back, and the object in the driver's bucket.
  auto first = client.upload(dataset->id, "/a/b/x.json", R"({"v": 1})");
  ASSERT_TRUE(first.has_value()) << first.status().to_string();
  EXPECT_EQ(first->filename, "/a/b/x.json");
  const std::string second_bytes = R"({"v": 2, "longer": true})";
  auto second = client.upload(dataset->id, "/a/b/x.json", second_bytes);
  ASSERT_TRUE(second.has_value()) << second.status().to_string();
  const auto object = emulator_->storage_root() / "it-bucket" / "exports/root" / "a/b/x.json";
  EXPECT_EQ(read_file(object), second_bytes);
  auto item = client.get_item(second->id);
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->dataset_id, dataset->id);
  EXPECT_EQ(item->dir, "/a/b");
  EXPECT_EQ(item->name, "x.json");
  auto count = client.count_items(dataset->id);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, 1);

  // Delete: the bucket object stays (allowExternalDelete false); a second delete is NotFound.
  ASSERT_TRUE(client.delete_item(second->id).is_ok());
  EXPECT_EQ(client.delete_item(second->id).code(), StatusCode::kNotFound);
  EXPECT_TRUE(std::filesystem::exists(object));
  EXPECT_EQ(client.get_item(second->id).status().code(), StatusCode::kNotFound);

  // Bulk delete by query.
  for (const char* path : {"/c/1.json", "/c/2.json", "/d/3.json"}) {
    ASSERT_TRUE(client.upload(dataset->id, path, "{}").has_value());
  }
  ASSERT_EQ(*client.count_items(dataset->id), 3);
  ItemFilter only_c;
  only_c.conditions = Json::parse(R"([{"dir":"/c"}])");
  ASSERT_TRUE(client.delete_items_by_query(dataset->id, only_c).is_ok());
  EXPECT_EQ(*client.count_items(dataset->id), 1);
  ASSERT_TRUE(client.delete_items_by_query(dataset->id, ItemFilter{}).is_ok());
  EXPECT_EQ(*client.count_items(dataset->id), 0);

  // Events and commands.
  auto hook = client.create_webhook({"it-hook", "POST", "https://example.com/hook", kProject});
  ASSERT_TRUE(hook.has_value()) << hook.status().to_string();
  Json trigger = Json::parse(R"({"type":"Event","active":true,"name":"it-trigger","spec":{
      "filter":{},"resource":"Item","executionMode":"Always","actions":["Created"],"input":{},
      "operation":{"type":"webhook"}}})");
  trigger["projectId"] = kProject;
  trigger["spec"]["operation"]["webhookId"] = (*hook)["id"];
  auto created_trigger = client.create_trigger(trigger);
  EXPECT_TRUE(created_trigger.has_value()) << created_trigger.status().to_string();
  EXPECT_EQ(client.get_command("6600000000000000000000fe").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(client.delete_dataset(dataset->id).is_ok());
  EXPECT_EQ(client.get_dataset(dataset->id).status().code(), StatusCode::kNotFound);
}

TEST_F(EmulatorIntegrationTest, PagingAndBatchedAnnotationsOnGeneratedData) {
  const std::string dataset_id = "6600000000000000000000e7";
  auto generated = admin(http::Method::kPost, "/__admin/generate",
                         Json{{"project_id", kProject},
                              {"dataset_id", dataset_id},
                              {"items", 2100},
                              {"annotations_per_item", 3},
                              {"seed", 5}});
  ASSERT_TRUE(generated.has_value()) << generated.status().to_string();
  Client client(options(token("it@example.com", 3600)), *http_);

  ItemPager pager = client.query_items(dataset_id);
  std::vector<std::string> ids;
  while (!pager.done()) {
    auto page = pager.next();
    ASSERT_TRUE(page.has_value()) << page.status().to_string();
    for (const auto& item : *page) ids.push_back(item.id);
  }
  EXPECT_EQ(ids.size(), 2100u);
  EXPECT_LE(pager.pages_fetched(), 4);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(*client.count_items(dataset_id), 2100);

  auto all = client.list_annotations_batch(dataset_id, ids, AnnotationTypes::kAll);
  ASSERT_TRUE(all.has_value()) << all.status().to_string();
  ASSERT_EQ(all->size(), 2100u);
  std::size_t exportable_expected = 0;
  for (const auto& [id, list] : *all) {
    EXPECT_EQ(list.size(), 3u) << id;
    for (const auto& annotation : list) {
      EXPECT_EQ(annotation["itemId"], id);
      if (annotation["type"] != "note") ++exportable_expected;
    }
  }
  auto exportable = client.list_annotations_batch(dataset_id, ids, AnnotationTypes::kExportable);
  ASSERT_TRUE(exportable.has_value());
  std::size_t exportable_total = 0;
  for (const auto& [id, list] : *exportable) exportable_total += list.size();
  EXPECT_EQ(exportable_total, exportable_expected);

  auto single = client.list_annotations(dataset_id, ids[7], AnnotationTypes::kAll);
  ASSERT_TRUE(single.has_value());
  EXPECT_EQ(single->size(), 3u);
}

TEST_F(EmulatorIntegrationTest, TokenRenewalPaths) {
  auto before = admin(http::Method::kGet, "/__admin/stats", Json());
  ASSERT_TRUE(before.has_value());

  // A token inside the 60 s margin plus a refresh token: renewed before the first call.
  ClientOptions refresh = options(token("it@example.com", 30));
  refresh.refresh_token = "it-refresh";
  Client refreshed(refresh, *http_);
  auto user = refreshed.connect();
  ASSERT_TRUE(user.has_value()) << user.status().to_string();

  // User credentials login when no token is configured.
  ClientOptions login = options("");
  login.username = "bot@example.com";
  login.password = "it-password";
  Client logged_in(login, *http_);
  auto bot = logged_in.connect();
  ASSERT_TRUE(bot.has_value()) << bot.status().to_string();
  EXPECT_EQ(logged_in.email(), "bot@example.com");

  // The FaaS agent proxy.
  ClientOptions proxy = options("");
  proxy.jwt_proxy_url = emulator_->gate_url() + "/get_jwt";
  Client proxied(proxy, *http_);
  ASSERT_TRUE(proxied.connect().has_value());

  // A wrong password and a rejected token are Unauthenticated, with no secret in the message.
  ClientOptions wrong = options("");
  wrong.username = "bot@example.com";
  wrong.password = "not-the-password";
  auto denied = Client(wrong, *http_).connect();
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(denied.status().message().find("not-the-password"), std::string::npos);

  auto after = admin(http::Method::kGet, "/__admin/stats", Json());
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(route_count(*after, "POST /token") - route_count(*before, "POST /token"), 3);
  EXPECT_EQ(route_count(*after, "GET /get_jwt") - route_count(*before, "GET /get_jwt"), 1);
}

TEST_F(EmulatorIntegrationTest, RetryPolicyRidesThroughFaultPlans) {
  Client client(options(token("it@example.com", 3600)), *http_);
  auto dataset = client.create_dataset("faults", kProject, kDriver);
  ASSERT_TRUE(dataset.has_value());
  ASSERT_TRUE(admin(http::Method::kPost, "/__admin/stats/reset", Json()).has_value());
  auto plan = admin(http::Method::kPut, "/__admin/faults", Json::parse(R"({
      "latency_ms": 2, "seed": 3, "rules": [
        {"route": "POST /datasets/{id}/items", "status": 503, "count": 2, "retry_after": 1},
        {"route": "POST /datasets/{id}/items", "status": 429, "count": 1},
        {"route": "GET /items/{id}", "status": 503, "count": 2},
        {"route": "POST /datasets/{id}/query", "status": 500, "count": 1},
        {"route": "POST /datasets/{id}/query", "reset": true, "count": 1},
        {"route": "DELETE /items/{id}", "reset": true, "count": 2}]})"));
  ASSERT_TRUE(plan.has_value()) << plan.status().to_string();

  worker::RetryOptions retry;
  retry.max_attempts = 6;
  retry.base_delay = milliseconds(5);
  retry.max_delay = milliseconds(1500);
  retry.max_total_time = milliseconds(20000);
  worker::RetryPolicy policy(retry);

  worker::RetryStats stats;
  auto uploaded =
      policy.run([&] { return client.upload(dataset->id, "/f/one.json", R"({"n": 1})"); }, &stats);
  ASSERT_TRUE(uploaded.has_value()) << uploaded.status().to_string();
  EXPECT_EQ(stats.attempts, 4);  // 503, 503 (Retry-After 1 s honoured), 429, ok
  EXPECT_GE(stats.slept, milliseconds(2000));

  auto item = policy.run([&] { return client.get_item(uploaded->id); }, &stats);
  ASSERT_TRUE(item.has_value()) << item.status().to_string();
  EXPECT_EQ(stats.attempts, 3);

  auto count = policy.run([&] { return client.count_items(dataset->id); }, &stats);
  ASSERT_TRUE(count.has_value()) << count.status().to_string();
  EXPECT_EQ(*count, 1);  // retried uploads overwrote; exactly one item exists
  EXPECT_GE(stats.attempts, 2);

  // A delete whose connection is reset: retried; NotFound on a retry means an earlier attempt
  // already took effect.
  Status deleted = policy.run([&] {
    Status status = client.delete_item(uploaded->id);
    return status.code() == StatusCode::kNotFound ? Status::ok() : status;
  });
  EXPECT_TRUE(deleted.is_ok()) << deleted.to_string();
  EXPECT_EQ(client.get_item(uploaded->id).status().code(), StatusCode::kNotFound);

  auto faults = admin(http::Method::kGet, "/__admin/faults", Json());
  ASSERT_TRUE(faults.has_value());
  for (const auto& rule : (*faults)["rules"]) {
    EXPECT_EQ(rule["fired"], rule["count"]) << rule.dump();
  }
  ASSERT_TRUE(admin(http::Method::kDelete, "/__admin/faults", Json()).has_value());

  // Non-retryable failures stop at once.
  worker::RetryStats missing_stats;
  auto missing =
      policy.run([&] { return client.get_item("6600000000000000000000fd"); }, &missing_stats);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing_stats.attempts, 1);
}

}  // namespace
}  // namespace dlexport::dataloop
