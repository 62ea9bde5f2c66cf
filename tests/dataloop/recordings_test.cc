// Our client against the SDK's recorded requests (shared/dataloop/recordings/*.json): for every
// operation that mirrors a recorded one, we send the same method, path, query and JSON body
// (compared structurally, key order aside), except the intentional differences listed per test:
//   - upload uses mode=overwrite (the SDK: skip) and our own multipart part headers;
//   - paged reads do not re-request the first page the way the SDK's list()+iterate does, so
//     we are compared with the SDK's iteration requests only.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "tests/dataloop/fixture.h"
#include "tests/support/paths.h"

namespace dlexport::dataloop {
namespace {

using http::testing::url_path;
using http::testing::url_query;
using testing::body_json;

Json load_recording(const std::string& name) {
  std::ifstream in(dlexport::testing::shared_dir() / "dataloop" / "recordings" / name);
  EXPECT_TRUE(in.good()) << name;
  return Json::parse(in);
}

Json recorded(const Json& recording, int seq) {
  for (const auto& request : recording["requests"]) {
    if (request["seq"] == seq) return request;
  }
  ADD_FAILURE() << "no seq " << seq;
  return Json::object();
}

std::map<std::string, std::string> parse_query(const std::string& query) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    const auto eq = pair.find('=');
    out[pair.substr(0, eq)] = eq == std::string::npos ? "" : pair.substr(eq + 1);
    start = end + 1;
  }
  return out;
}

// The id of a keyset condition {"id": {"$gt": X}} in a recorded body, or "".
std::string keyset_after(const Json& body) {
  if (!body.is_object() || !body.contains("filter")) return "";
  const Json& filter = body["filter"];
  if (!filter.contains("$and")) return "";
  for (const auto& condition : filter["$and"]) {
    if (condition.contains("id") && condition["id"].contains("$gt")) {
      return condition["id"]["$gt"].get<std::string>();
    }
  }
  return "";
}

class RecordingsTest : public testing::ClientFixture {
 protected:
  RecordingsTest() {
    // The recorded tokens expire an hour after the probe; run at the probe's time.
    clock_.set(std::chrono::system_clock::from_time_t(1796413276));
    options_.api_base_url = "http://127.0.0.1:46519/api/v1";
    options_.token = make_token();
  }
  std::string make_token() {
    return testing::make_jwt("probe-user@example.com", clock_.now() + std::chrono::hours(1));
  }

  // Answers our requests with the recorded responses of `seqs`, in order. The recordings keep
  // only the first items of each page, so a page answer gets its last id set to the keyset id
  // the SDK's next request used (that is what the SDK saw). Past the script: an empty last page.
  void replay(const Json& recording, std::vector<int> seqs) {
    script_.clear();
    for (int seq : seqs) script_.push_back(recorded(recording, seq));
    fake_->set_handler([this](const http::Request&) -> Result<http::Response> {
      std::lock_guard<std::mutex> lock(mu_);
      if (next_ >= script_.size()) {
        return http::testing::json_response(200, testing::page(Json::array(), false));
      }
      const Json& entry = script_[next_];
      Json body = entry["response"]["body"];
      // The recorder trimmed long arrays, leaving a "...<N more elements trimmed>" string.
      if (body.is_object() && body.contains("items") && body["items"].is_array()) {
        Json kept = Json::array();
        for (auto& element : body["items"]) {
          if (!element.is_string()) kept.push_back(element);
        }
        body["items"] = std::move(kept);
      }
      if (body.is_array()) {
        Json kept = Json::array();
        for (auto& element : body) {
          if (!element.is_string()) kept.push_back(element);
        }
        body = std::move(kept);
      }
      if (next_ + 1 < script_.size() && body.is_object() && body.contains("items")) {
        const std::string after = keyset_after(script_[next_ + 1]["body"]);
        if (!after.empty() && !body["items"].empty()) body["items"].back()["id"] = after;
      }
      ++next_;
      http::Response response;
      response.status = entry["response"]["status"].get<int>();
      response.body = body.is_null() ? "" : body.dump();
      response.headers.set("Content-Type", "application/json");
      return response;
    });
  }

  // Compares our i-th request with the i-th replayed recording.
  void expect_matches(std::size_t count, const std::set<std::string>& query_differences = {}) {
    auto ours = fake_->requests();
    ASSERT_GE(ours.size(), count);
    for (std::size_t i = 0; i < count; ++i) {
      const Json& theirs = script_[i];
      SCOPED_TRACE("recorded seq " + theirs["seq"].dump());
      EXPECT_EQ(std::string(http::method_name(ours[i].method)), theirs["method"]);
      EXPECT_EQ(url_path(ours[i].url), theirs["path"]);
      auto our_query = parse_query(url_query(ours[i].url));
      for (const auto& [key, value] : theirs["query"].items()) {
        if (query_differences.count(key)) continue;
        EXPECT_EQ(our_query[key], value.get<std::string>()) << key;
      }
      for (const auto& [key, value] : our_query) {
        EXPECT_TRUE(theirs["query"].contains(key)) << "extra query key " << key;
      }
      if (theirs["body_kind"] == "json") {
        // Structural: compare as unordered JSON.
        const nlohmann::json a = nlohmann::json::parse(ours[i].body);
        const nlohmann::json b = nlohmann::json::parse(theirs["body"].dump());
        EXPECT_EQ(a, b) << "ours:   " << a.dump() << "\ntheirs: " << b.dump();
      } else if (theirs["body_kind"] == "multipart") {
        const Json& parts = theirs["body"];
        ASSERT_EQ(ours[i].parts.size(), parts.size());
        for (std::size_t p = 0; p < parts.size(); ++p) {
          EXPECT_EQ(ours[i].parts[p].name, parts[p]["name"]);
          EXPECT_EQ(ours[i].parts[p].data, parts[p]["content"]);
          if (parts[p]["filename"].is_string()) {
            EXPECT_EQ(ours[i].parts[p].filename, parts[p]["filename"]);
          } else {
            EXPECT_TRUE(ours[i].parts[p].filename.empty());
          }
        }
      } else {
        EXPECT_TRUE(ours[i].body.empty());
        EXPECT_TRUE(ours[i].parts.empty());
      }
    }
  }

  std::mutex mu_;
  std::vector<Json> script_;
  std::size_t next_ = 0;
};

TEST_F(RecordingsTest, DriverGetAndList) {
  const Json flow = load_recording("export_flow.json");
  replay(flow, {7});
  ASSERT_TRUE(client().get_driver("660000000000000000000003").has_value());
  expect_matches(1);

  fake_->clear_requests();
  next_ = 0;
  const Json misc = load_recording("misc.json");
  replay(misc, {3});
  auto drivers = client().list_drivers("660000000000000000000002");
  ASSERT_TRUE(drivers.has_value()) << drivers.status().to_string();
  expect_matches(1);
}

TEST_F(RecordingsTest, DatasetQueryWithSystemSpace) {
  const Json flow = load_recording("export_flow.json");
  replay(flow, {2});
  auto datasets =
      client().query_datasets(Json::parse(R"({"$and":[{"metadata.system.exportSolution":true}]})"),
                              "660000000000000000000002", true);
  ASSERT_TRUE(datasets.has_value()) << datasets.status().to_string();
  EXPECT_EQ(datasets->size(), 1u);
  expect_matches(1);
}

TEST_F(RecordingsTest, DatasetQueryVariants) {
  const Json misc = load_recording("misc.json");
  replay(misc, {5, 6, 7, 8});
  ASSERT_TRUE(client().query_datasets(Json::object(), "660000000000000000000002", false));
  ASSERT_TRUE(client().query_datasets(Json::object(), "660000000000000000000002", true));
  ASSERT_TRUE(client().query_datasets(Json::object(), "", false));
  ASSERT_TRUE(client().query_datasets(Json::parse(R"({"$and":[{"name":"visible"}]})"),
                                      "660000000000000000000002", false));
  expect_matches(4);
}

TEST_F(RecordingsTest, DatasetCreateAndSystemPatch) {
  const Json flow = load_recording("export_flow.json");
  replay(flow, {8, 9});
  auto created = client().create_dataset("Export Storage Driver - 660000000000000000000003",
                                         "660000000000000000000002", "660000000000000000000003");
  ASSERT_TRUE(created.has_value());
  const Json patch_body = recorded(flow, 9)["body"];
  ASSERT_TRUE(client().patch_dataset_system(patch_body).is_ok());
  expect_matches(2);
}

TEST_F(RecordingsTest, DatasetGetAndDelete) {
  const Json misc = load_recording("misc.json");
  replay(misc, {10, 11});
  ASSERT_TRUE(client().get_dataset("660000000000000000000009").has_value());
  ASSERT_TRUE(client().delete_dataset("660000000000000000000009").is_ok());
  expect_matches(2);
}

TEST_F(RecordingsTest, ItemGet) {
  const Json flow = load_recording("export_flow.json");
  replay(flow, {5});
  ASSERT_TRUE(client().get_item("660000000000000000000008").has_value());
  expect_matches(1);
}

TEST_F(RecordingsTest, AnnotationQuerySingleItem) {
  const Json flow = load_recording("export_flow.json");
  replay(flow, {10});
  auto annotations = client().list_annotations(
      "660000000000000000000005", "660000000000000000000008", AnnotationTypes::kExportable);
  ASSERT_TRUE(annotations.has_value()) << annotations.status().to_string();
  expect_matches(1);
  EXPECT_EQ(fake_->request_count(), 1u);
}

TEST_F(RecordingsTest, AnnotationQuerySingleItemTwoPages) {
  // The SDK's list() fetched seq 9 and iterating re-fetched it as seq 10; we fetch it once.
  const Json paging = load_recording("paging.json");
  replay(paging, {10, 11});
  auto annotations = client().list_annotations(
      "660000000000000000000003", "660000000000000000000006", AnnotationTypes::kExportable);
  ASSERT_TRUE(annotations.has_value()) << annotations.status().to_string();
  expect_matches(2);
  EXPECT_EQ(fake_->request_count(), 2u);
}

TEST_F(RecordingsTest, AnnotationQueryBatchedIn) {
  const Json paging = load_recording("paging.json");
  replay(paging, {13, 14});
  const std::vector<std::string> ids = {"660000000000000000000006", "660000000000000000000007",
                                        "660000000000000000000008", "660000000000000000000009",
                                        "66000000000000000000000a"};
  auto grouped = client().list_annotations_batch("660000000000000000000003", ids,
                                                 AnnotationTypes::kExportable);
  ASSERT_TRUE(grouped.has_value()) << grouped.status().to_string();
  expect_matches(2);
  EXPECT_EQ(fake_->request_count(), 2u);
}

TEST_F(RecordingsTest, AnnotationQueryBatchedAllTypes) {
  const Json paging = load_recording("paging.json");
  replay(paging, {15});
  const std::vector<std::string> ids = {"660000000000000000000006", "660000000000000000000007",
                                        "660000000000000000000008", "660000000000000000000009",
                                        "66000000000000000000000a"};
  ASSERT_TRUE(
      client().list_annotations_batch("660000000000000000000003", ids, AnnotationTypes::kAll));
  expect_matches(1);  // the recording stops after the first page; we then see an empty page
}

TEST_F(RecordingsTest, ItemsQueryKeysetPaging) {
  const Json paging = load_recording("paging.json");
  replay(paging, {4, 5, 6});
  ItemPager pager = client().query_items("660000000000000000000003");
  while (!pager.done()) ASSERT_TRUE(pager.next().has_value());
  expect_matches(3);
  EXPECT_EQ(fake_->request_count(), 3u);
}

TEST_F(RecordingsTest, ItemsQueryWithUserConditions) {
  const Json paging = load_recording("paging.json");
  replay(paging, {16, 17, 18});
  ItemFilter dir;
  dir.conditions = Json::parse(R"([{"dir":"/bulk"}])");
  ASSERT_TRUE(client().query_items("660000000000000000000003", dir).next().has_value());
  ItemFilter glob;
  glob.conditions = Json::parse(R"([{"filename":"/bulk/**"}])");
  ASSERT_TRUE(client().query_items("660000000000000000000003", glob).next().has_value());
  ItemFilter by_path;  // items.get(filepath=...): no defaults, type + filename
  by_path.include_defaults = false;
  by_path.conditions = Json::parse(R"([{"type":"file"},{"filename":"/bulk/f0007.jpg"}])");
  ASSERT_TRUE(client().query_items("660000000000000000000003", by_path).next().has_value());
  expect_matches(3);
}

TEST_F(RecordingsTest, UploadDiffersOnlyInMode) {
  const Json flow = load_recording("export_flow.json");
  const Json theirs = recorded(flow, 11);
  replay(flow, {11});
  const Json& parts = theirs["body"];
  const std::string bytes = parts[2]["content"].get<std::string>();
  auto item =
      client().upload("660000000000000000000020", parts[1]["content"].get<std::string>(), bytes);
  ASSERT_TRUE(item.has_value()) << item.status().to_string();
  expect_matches(1, {"mode"});
  EXPECT_EQ(parse_query(url_query(fake_->requests()[0].url))["mode"], "overwrite");  // intentional
}

TEST_F(RecordingsTest, UploadEncodesFilenamesLikeTheSdk) {
  const Json upload = load_recording("upload.json");
  replay(upload, {3, 4, 5, 6, 7});
  for (int seq : {3, 4, 5, 6, 7}) {
    const Json parts = recorded(upload, seq)["body"];
    auto item = client().upload("660000000000000000000002", parts[1]["content"].get<std::string>(),
                                parts[2]["content"].get<std::string>());
    ASSERT_TRUE(item.has_value()) << item.status().to_string();
  }
  expect_matches(5, {"mode"});
}

TEST_F(RecordingsTest, ItemDeleteAndBulkDelete) {
  const Json flow = load_recording("export_flow.json");
  replay(flow, {4, 12});
  ASSERT_TRUE(client().delete_items_by_query("66000000000000000000000f", ItemFilter{}).is_ok());
  ASSERT_TRUE(client().delete_item("660000000000000000000023").is_ok());
  expect_matches(2);
}

TEST_F(RecordingsTest, WebhookTriggersAndCommand) {
  const Json events = load_recording("events.json");
  replay(events, {3, 4, 5});
  ASSERT_TRUE(
      client().create_webhook({"export-hook", "POST", "https://export.example.com/dataloop/events",
                               "660000000000000000000002"}));
  ASSERT_TRUE(client().create_trigger(recorded(events, 4)["body"]));
  ASSERT_TRUE(client().create_trigger(recorded(events, 5)["body"]));
  expect_matches(3);

  fake_->clear_requests();
  next_ = 0;
  const Json misc = load_recording("misc.json");
  replay(misc, {12});
  ASSERT_TRUE(client().get_command("6600000000000000000000cc").has_value());
  expect_matches(1);
}

TEST_F(RecordingsTest, AuthUsersMeRefreshLoginAndProxy) {
  const Json auth = load_recording("auth.json");
  options_.api_base_url = "http://127.0.0.1:34293/api/v1";
  replay(auth, {1});
  ASSERT_TRUE(client().connect().has_value());
  expect_matches(1);

  // Refresh token: an expired token plus a refresh token.
  options_.token = testing::make_jwt("probe-user@example.com", clock_.now());
  options_.refresh_token = "refresh-abc";
  client_.reset();
  fake_->clear_requests();
  next_ = 0;
  replay(auth, {4, 5});
  ASSERT_TRUE(client().get_item("660000000000000000000001").has_value());
  expect_matches(1);

  // User credentials login.
  options_.token.clear();
  options_.refresh_token.clear();
  options_.username = "bot@example.com";
  options_.password = "s3cret";
  client_.reset();
  fake_->clear_requests();
  next_ = 0;
  replay(auth, {6, 5});
  ASSERT_TRUE(client().get_item("660000000000000000000001").has_value());
  expect_matches(1);

  // FaaS proxy.
  options_.username.clear();
  options_.password.clear();
  options_.jwt_proxy_url = "http://localhost:34293/get_jwt";
  options_.jwt_proxy_secret = "agent-secret-123";
  client_.reset();
  fake_->clear_requests();
  next_ = 0;
  replay(auth, {7, 8});
  ASSERT_TRUE(client().get_item("660000000000000000000001").has_value());
  expect_matches(1);
  EXPECT_EQ(fake_->requests()[0].headers.get("X-Get-Jwt-Secret"), "agent-secret-123");
}

}  // namespace
}  // namespace dlexport::dataloop
