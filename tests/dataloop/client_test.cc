#include <gtest/gtest.h>

#include "tests/dataloop/fixture.h"

namespace dlexport::dataloop {
namespace {

using http::Method;
using http::testing::json_response;
using http::testing::text_response;
using http::testing::url_path;
using http::testing::url_query;
using testing::body_json;
using testing::ClientFixture;
using testing::item_json;

class ClientTest : public ClientFixture {};

TEST_F(ClientTest, SendsBearerTokenAndRequestId) {
  fake_->enqueue(json_response(200, Json{{"id", "u1"}, {"email", "user@example.com"}}));
  auto user = client().connect();
  ASSERT_TRUE(user.has_value()) << user.status().to_string();
  EXPECT_EQ(user->email, "user@example.com");
  const auto request = only_request();
  EXPECT_EQ(request.method, Method::kGet);
  EXPECT_EQ(request.url, std::string(testing::kBase) + "/users/me");
  EXPECT_EQ(request.headers.get("Authorization"), "Bearer " + options_.token);
  EXPECT_FALSE(request.request_id.empty());
  EXPECT_EQ(client().email(), "user@example.com");
}

TEST_F(ClientTest, GetDriverParsesFields) {
  fake_->enqueue(json_response(200, Json{{"id", "dr1"},
                                         {"type", "s3"},
                                         {"name", "bucket"},
                                         {"projectId", "p1"},
                                         {"allowExternalDelete", false},
                                         {"bucketName", "b"},
                                         {"path", "exports/root"}}));
  auto driver = client().get_driver("dr1");
  ASSERT_TRUE(driver.has_value());
  EXPECT_EQ(url_path(only_request().url), "/api/v1/drivers/dr1");
  EXPECT_EQ(driver->type, "s3");
  EXPECT_EQ(driver->project_id, "p1");
  ASSERT_TRUE(driver->allow_external_delete.has_value());
  EXPECT_FALSE(*driver->allow_external_delete);
  EXPECT_EQ(driver->bucket, "b");
  EXPECT_EQ(driver->path, "exports/root");
}

TEST_F(ClientTest, DriverWithoutAllowExternalDeleteIsUnknownNotFalse) {
  fake_->enqueue(json_response(200, Json{{"id", "dr1"}, {"type", "gcs"}, {"bucket", "g"}}));
  auto driver = client().get_driver("dr1");
  ASSERT_TRUE(driver.has_value());
  EXPECT_FALSE(driver->allow_external_delete.has_value());
  EXPECT_EQ(driver->bucket, "g");
}

TEST_F(ClientTest, BigIntegersInItemsSurviveExactly) {
  // Python keeps integers beyond 64 bits exact; so must the path from the wire to the export.
  fake_->enqueue(text_response(
      200, R"({"id": "i1", "datasetId": "d1", "filename": "/a.jpg", "dir": "/", "name": "a.jpg",
               "metadata": {"user": {"serial": 123456789012345678901234567890}}})"));
  auto item = client().get_item("i1");
  ASSERT_TRUE(item.has_value()) << item.status().to_string();
  const Json raw = to_json(*item->raw);
  const Json& serial = raw["metadata"]["user"]["serial"];
  ASSERT_TRUE(is_big_int(serial));
  const auto& digits = serial.get_binary();
  EXPECT_EQ(std::string(digits.begin(), digits.end()), "123456789012345678901234567890");
}

TEST_F(ClientTest, ListDrivers) {
  fake_->enqueue(json_response(200, Json::array({Json{{"id", "a"}}, Json{{"id", "b"}}})));
  auto drivers = client().list_drivers("p1");
  ASSERT_TRUE(drivers.has_value());
  EXPECT_EQ(drivers->size(), 2u);
  const auto request = only_request();
  EXPECT_EQ(url_path(request.url), "/api/v1/drivers");
  EXPECT_EQ(url_query(request.url), "projectId=p1");
}

TEST_F(ClientTest, QueryDatasetsFollowsOffsetPages) {
  fake_->enqueue(json_response(200, testing::page(Json::array({Json{{"id", "d1"}}}), true)));
  fake_->enqueue(json_response(200, testing::page(Json::array({Json{{"id", "d2"}}}), false)));
  const Json filter = Json{{"$and", Json::array({Json{{"metadata.system.exportSolution", true}}})}};
  auto datasets = client().query_datasets(filter, "p1", true);
  ASSERT_TRUE(datasets.has_value()) << datasets.status().to_string();
  ASSERT_EQ(datasets->size(), 2u);
  auto requests = fake_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(body_json(requests[0])["page"], 0);
  EXPECT_EQ(body_json(requests[1])["page"], 1);
  EXPECT_EQ(body_json(requests[1])["systemSpace"], true);
  EXPECT_EQ(body_json(requests[1])["context"]["projects"][0], "p1");
}

TEST_F(ClientTest, QueryDatasetsWithoutProjectOrSystemSpaceOmitsKeys) {
  fake_->enqueue(json_response(200, testing::page(Json::array(), false)));
  auto datasets = client().query_datasets(Json::object(), "", false);
  ASSERT_TRUE(datasets.has_value());
  const Json body = body_json(only_request());
  EXPECT_FALSE(body.contains("context"));
  EXPECT_FALSE(body.contains("systemSpace"));
  EXPECT_EQ(body["filter"], Json::object());
}

TEST_F(ClientTest, QueryDatasetsRejectsRepeatingPages) {
  fake_->set_handler([](const http::Request&) -> Result<http::Response> {
    return json_response(200, testing::page(Json::array({Json{{"id", "d1"}}}), true));
  });
  auto datasets = client().query_datasets(Json::object(), "p1", false);
  ASSERT_FALSE(datasets.has_value());
  EXPECT_EQ(datasets.status().code(), StatusCode::kInternal);
  EXPECT_EQ(fake_->request_count(), 2u);
}

TEST_F(ClientTest, CreatePatchGetDeleteDataset) {
  fake_->enqueue(json_response(
      200, Json{{"id", "ds1"}, {"name", "n"}, {"driver", "dr1"}, {"projects", {"p1"}}}));
  auto created = client().create_dataset("n", "p1", "dr1");
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->driver_id, "dr1");
  EXPECT_EQ(created->project_ids, std::vector<std::string>{"p1"});

  Json patched = created->raw;
  patched["metadata"] = Json{{"system", Json{{"scope", "system"}, {"exportSolution", true}}}};
  fake_->enqueue(json_response(200, patched));
  EXPECT_TRUE(client().patch_dataset_system(patched).is_ok());

  fake_->enqueue(json_response(200, patched));
  auto got = client().get_dataset("ds1");
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->system_scope);
  EXPECT_TRUE(got->export_solution);

  fake_->enqueue(text_response(200, ""));
  EXPECT_TRUE(client().delete_dataset("ds1").is_ok());

  auto requests = fake_->requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].method, Method::kPost);
  EXPECT_EQ(url_path(requests[0].url), "/api/v1/datasets");
  EXPECT_EQ(body_json(requests[0]),
            Json::parse(R"({"name":"n","projects":["p1"],"createDefaultRecipe":true,
                            "driver":"dr1"})"));
  EXPECT_EQ(requests[1].method, Method::kPatch);
  EXPECT_EQ(url_path(requests[1].url), "/api/v1/datasets/ds1");
  EXPECT_EQ(url_query(requests[1].url), "system=true");
  EXPECT_EQ(body_json(requests[1]), patched);
  EXPECT_EQ(requests[2].method, Method::kGet);
  EXPECT_EQ(requests[3].method, Method::kDelete);
  EXPECT_EQ(url_path(requests[3].url), "/api/v1/datasets/ds1");
  EXPECT_TRUE(requests[3].body.empty());
}

TEST_F(ClientTest, PatchWithoutIdIsInvalid) {
  EXPECT_EQ(client().patch_dataset_system(Json{{"name", "x"}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(fake_->request_count(), 0u);
}

TEST_F(ClientTest, GetItemTypedAccessors) {
  fake_->enqueue(json_response(200, item_json("i1", "d9")));
  auto item = client().get_item("i1");
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(url_path(only_request().url), "/api/v1/items/i1");
  EXPECT_EQ(item->id, "i1");
  EXPECT_EQ(item->dataset_id, "d9");
  EXPECT_EQ(item->dir, "/a");
  EXPECT_EQ(item->filename, "/a/i1.jpg");
  EXPECT_EQ(item->name, "i1.jpg");
  EXPECT_EQ(item->updated_at, "2025-01-01T00:00:00.000Z");
  EXPECT_EQ(item->raw->find("datasetId")->string(), "d9");
}

TEST_F(ClientTest, GetItemWithoutIdIsInternal) {
  fake_->enqueue(json_response(200, Json{{"name", "x"}}));
  EXPECT_EQ(client().get_item("i1").status().code(), StatusCode::kInternal);
}

TEST_F(ClientTest, NonJsonSuccessIsInternal) {
  fake_->enqueue(text_response(200, "<html>proxy</html>"));
  EXPECT_EQ(client().get_item("i1").status().code(), StatusCode::kInternal);
}

TEST_F(ClientTest, DeleteItemNotFoundIsNotFound) {
  fake_->enqueue(json_response(404, Json{{"message", "Item not found"}}));
  Status status = client().delete_item("gone");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find("Item not found"), std::string::npos);
  const auto request = only_request();
  EXPECT_EQ(request.method, Method::kDelete);
  EXPECT_EQ(url_path(request.url), "/api/v1/items/gone");
}

TEST_F(ClientTest, DeleteItemsByQueryBody) {
  fake_->enqueue(json_response(200, Json::object()));
  ItemFilter filter;
  filter.conditions.push_back(Json{{"dir", "/x"}});
  EXPECT_TRUE(client().delete_items_by_query("ds1", filter).is_ok());
  const auto request = only_request();
  EXPECT_EQ(url_path(request.url), "/api/v1/datasets/ds1/query");
  EXPECT_EQ(body_json(request), Json::parse(R"({"filter":{"$and":[{"hidden":false},
      {"type":"file"},{"dir":"/x"}]},"resource":"items","delete":true})"));
}

TEST_F(ClientTest, CountItemsUsesPageSizeOne) {
  fake_->enqueue(json_response(200, testing::page(Json::array({item_json("i1")}), true, 4321)));
  auto count = client().count_items("ds1");
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, 4321);
  EXPECT_EQ(body_json(only_request())["pageSize"], 1);
}

TEST_F(ClientTest, UploadSendsMultipartInOrderWithOverwrite) {
  const std::string bytes = R"({"k": 1})";
  Json answer = item_json("up1", "ds1");
  answer["metadata"] = Json{{"system", Json{{"size", bytes.size()}}}};
  fake_->enqueue(json_response(200, answer));
  auto item = client().upload("ds1", "/dir with space/sub/image 001.json", bytes);
  ASSERT_TRUE(item.has_value()) << item.status().to_string();
  EXPECT_EQ(item->id, "up1");
  const auto request = only_request();
  EXPECT_EQ(request.method, Method::kPost);
  EXPECT_EQ(url_path(request.url), "/api/v1/datasets/ds1/items");
  EXPECT_EQ(url_query(request.url), "mode=overwrite");
  ASSERT_EQ(request.parts.size(), 3u);
  EXPECT_EQ(request.parts[0].name, "type");
  EXPECT_EQ(request.parts[0].data, "file");
  EXPECT_EQ(request.parts[1].name, "path");
  EXPECT_EQ(request.parts[1].data, "/dir with space/sub/image 001.json");
  EXPECT_EQ(request.parts[2].name, "file");
  EXPECT_EQ(request.parts[2].filename, "image%20001.json");
  EXPECT_EQ(request.parts[2].content_type, "application/json");
  EXPECT_EQ(request.parts[2].data, bytes);
  EXPECT_TRUE(request.body.empty());
}

TEST_F(ClientTest, UploadAsyncSendsTheSameRequestAndVerifiesTheSize) {
  const std::string bytes = R"({"k": 1})";
  Json answer = item_json("up1", "ds1");
  answer["metadata"] = Json{{"system", Json{{"size", bytes.size()}}}};
  fake_->enqueue(json_response(200, answer));
  answer["metadata"]["system"]["size"] = 3;
  fake_->enqueue(json_response(200, answer));
  auto mux = client().multiplexer();
  std::vector<Result<std::string>> outcomes;
  client().upload_async(*mux, "ds1", "/dir with space/sub/image 001.json", bytes,
                        UploadMode::kOverwrite,
                        [&](Result<std::string> id) { outcomes.push_back(std::move(id)); });
  client().upload_async(*mux, "ds1", "/b.json", bytes, UploadMode::kOverwrite,
                        [&](Result<std::string> id) { outcomes.push_back(std::move(id)); });
  // A path without a file name fails at once, before any request.
  client().upload_async(*mux, "ds1", "/dir/", bytes, UploadMode::kOverwrite,
                        [&](Result<std::string> id) { outcomes.push_back(std::move(id)); });
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status().code(), StatusCode::kInvalidArgument);
  while (mux->in_flight() > 0) mux->poll(std::chrono::milliseconds(0));
  ASSERT_EQ(outcomes.size(), 3u);
  ASSERT_TRUE(outcomes[1].has_value()) << outcomes[1].status().to_string();
  EXPECT_EQ(*outcomes[1], "up1");
  EXPECT_EQ(outcomes[2].status().code(), StatusCode::kDataLoss);
  const auto requests = fake_->requests();
  ASSERT_EQ(requests.size(), 2u);
  const auto& request = requests[0];
  EXPECT_EQ(request.method, Method::kPost);
  EXPECT_EQ(url_path(request.url), "/api/v1/datasets/ds1/items");
  EXPECT_EQ(url_query(request.url), "mode=overwrite");
  EXPECT_TRUE(request.headers.get("authorization").value_or("").rfind("Bearer ", 0) == 0);
  EXPECT_EQ(request.endpoint, "POST /datasets/{id}/items");
  ASSERT_EQ(request.parts.size(), 3u);
  EXPECT_EQ(request.parts[1].data, "/dir with space/sub/image 001.json");
  EXPECT_EQ(request.parts[2].filename, "image%20001.json");
  EXPECT_EQ(request.parts[2].data, bytes);
}

TEST_F(ClientTest, UploadSkipModeAndLeadingSlash) {
  Json answer = item_json("up1", "ds1");
  answer["metadata"] = Json{{"system", Json{{"size", 2}}}};
  fake_->enqueue(json_response(200, answer));
  ASSERT_TRUE(client().upload("ds1", "root.json", "{}", UploadMode::kSkip).has_value());
  const auto request = only_request();
  EXPECT_EQ(url_query(request.url), "mode=skip");
  EXPECT_EQ(request.parts[1].data, "/root.json");
  EXPECT_EQ(request.parts[2].filename, "root.json");
}

TEST_F(ClientTest, UploadSizeMismatchIsDataLoss) {
  Json answer = item_json("up1", "ds1");
  answer["metadata"] = Json{{"system", Json{{"size", 3}}}};
  fake_->enqueue(json_response(200, answer));
  auto item = client().upload("ds1", "/a/x.json", "12345");
  ASSERT_FALSE(item.has_value());
  EXPECT_EQ(item.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(item.status().message().find("up1"), std::string::npos);

  fake_->enqueue(json_response(200, item_json("up2", "ds1")));  // no size at all
  EXPECT_EQ(client().upload("ds1", "/a/x.json", "12345").status().code(), StatusCode::kDataLoss);
}

TEST_F(ClientTest, UploadRejectsPathWithoutName) {
  EXPECT_EQ(client().upload("ds1", "/a/", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fake_->request_count(), 0u);
}

TEST_F(ClientTest, WebhookTriggerCommand) {
  fake_->enqueue(json_response(200, Json{{"id", "wh1"}}));
  fake_->enqueue(json_response(200, Json{{"id", "tr1"}}));
  fake_->enqueue(json_response(
      200, Json{{"id", "c1"}, {"type", "x"}, {"status", "success"}, {"progress", 100}}));
  auto hook = client().create_webhook(
      {"export-hook", "POST", "https://export.example.com/dataloop/events", "p1"});
  ASSERT_TRUE(hook.has_value());
  const Json trigger = Json{{"type", "Event"}, {"name", "t"}};
  ASSERT_TRUE(client().create_trigger(trigger).has_value());
  auto command = client().get_command("c1");
  ASSERT_TRUE(command.has_value());
  EXPECT_TRUE(command->terminal());
  EXPECT_TRUE(command->succeeded());
  EXPECT_EQ(command->progress, 100);
  auto requests = fake_->requests();
  EXPECT_EQ(url_path(requests[0].url), "/api/v1/webhooks");
  EXPECT_EQ(body_json(requests[0]), Json::parse(R"({"name":"export-hook","httpMethod":"POST",
              "hookUrl":"https://export.example.com/dataloop/events","project":"p1"})"));
  EXPECT_EQ(url_path(requests[1].url), "/api/v1/triggers");
  EXPECT_EQ(body_json(requests[1]), trigger);
  EXPECT_EQ(url_path(requests[2].url), "/api/v1/commands/c1");
}

TEST_F(ClientTest, HttpStatusesMapToCodes) {
  const std::vector<std::pair<int, StatusCode>> cases = {
      {400, StatusCode::kInvalidArgument},   {401, StatusCode::kUnauthenticated},
      {403, StatusCode::kPermissionDenied},  {404, StatusCode::kNotFound},
      {429, StatusCode::kResourceExhausted}, {500, StatusCode::kUnavailable},
      {503, StatusCode::kUnavailable},       {422, StatusCode::kInternal}};
  for (const auto& [http_status, code] : cases) {
    fake_->enqueue(json_response(http_status, Json{{"message", "m"}}));
    auto item = client().get_item("i");
    ASSERT_FALSE(item.has_value());
    EXPECT_EQ(item.status().code(), code) << http_status;
    EXPECT_EQ(item.status().http_status(), http_status);
  }
}

TEST_F(ClientTest, TransportErrorsKeepTheirCode) {
  fake_->enqueue(Status(StatusCode::kDeadlineExceeded, "timed out"));
  fake_->enqueue(Status(StatusCode::kUnavailable, "connection reset"));
  EXPECT_EQ(client().get_item("i").status().code(), StatusCode::kDeadlineExceeded);
  Status reset = client().get_item("i").status();
  EXPECT_EQ(reset.code(), StatusCode::kUnavailable);
  EXPECT_NE(reset.message().find("GET /items/{id}"), std::string::npos);
}

TEST_F(ClientTest, RetryAfterReachesCaller) {
  fake_->enqueue(json_response(503, Json{{"message", "busy"}}, {{"Retry-After", "7"}}));
  auto item = client().get_item("i");
  ASSERT_FALSE(item.has_value());
  ASSERT_TRUE(item.status().retry_after().has_value());
  EXPECT_EQ(*item.status().retry_after(), std::chrono::milliseconds(7000));
}

TEST_F(ClientTest, ClientNeverRetriesByItself) {
  fake_->set_handler([](const http::Request&) -> Result<http::Response> {
    return json_response(503, Json{{"message", "down"}});
  });
  EXPECT_FALSE(client().get_item("i").has_value());
  EXPECT_EQ(fake_->request_count(), 1u);
}

}  // namespace
}  // namespace dlexport::dataloop
