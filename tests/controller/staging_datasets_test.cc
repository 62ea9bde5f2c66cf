#include "controller/staging_datasets.h"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

#include "tests/fakes/fake_platform.h"

namespace dlexport::controller {
namespace {

using testing::FakePlatform;
using testing::NoSleepRetry;

constexpr const char* kDriver = "6600000000000000000000d1";
constexpr const char* kProject = "6600000000000000000000a1";

Json python_app_dataset(const std::string& driver_id) {
  return Json{{"name", staging_dataset_name(driver_id)},
              {"driver", driver_id},
              {"projects", Json::array({kProject})},
              {"metadata", Json{{"system", Json{{"scope", "system"}, {"exportSolution", true}}}}}};
}

class StagingTest : public ::testing::Test {
 protected:
  FakePlatform platform_;
  std::unique_ptr<dataloop::Client> client_ = platform_.make_client();
  NoSleepRetry retry_;
};

TEST_F(StagingTest, RefusesDriverThatAllowsExternalDelete) {
  platform_.add_driver(kDriver, true);
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  ASSERT_FALSE(driver);
  EXPECT_EQ(driver.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(driver.error().message().find(kDriver), std::string::npos);
  EXPECT_NE(driver.error().message().find("allowExternalDelete: true"), std::string::npos);
  EXPECT_NE(driver.error().message().find("\"allow delete\" turned off"), std::string::npos);
}

TEST_F(StagingTest, RefusesDriverWithoutTheFlag) {
  platform_.add_driver(kDriver, std::nullopt);
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  ASSERT_FALSE(driver);
  EXPECT_EQ(driver.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(driver.error().message().find("does not state allowExternalDelete"), std::string::npos);
}

TEST_F(StagingTest, RefusesMissingDriverNamingIt) {
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  ASSERT_FALSE(driver);
  EXPECT_EQ(driver.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(driver.error().message().find(std::string(kDriver) + " does not exist"),
            std::string::npos);
}

TEST_F(StagingTest, AcceptsSafeDriver) {
  platform_.add_driver(kDriver, false);
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  ASSERT_TRUE(driver) << driver.error().to_string();
  EXPECT_EQ(driver->allow_external_delete, false);
}

TEST_F(StagingTest, AdoptsThePythonAppsDataset) {
  platform_.add_driver(kDriver, false);
  const std::string existing = platform_.add_dataset(python_app_dataset(kDriver))["id"];
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  ASSERT_TRUE(driver);
  StagingDatasets staging(*client_, retry_.policy());
  auto dataset = staging.ensure(*driver);
  ASSERT_TRUE(dataset) << dataset.error().to_string();
  EXPECT_EQ(dataset->dataset.id, existing);
  EXPECT_FALSE(dataset->created);
  EXPECT_EQ(platform_.count("POST /datasets"), 0);
  EXPECT_EQ(platform_.datasets().size(), 1u);
}

TEST_F(StagingTest, CreatesAndMarksWhenMissing) {
  platform_.add_driver(kDriver, false);
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  ASSERT_TRUE(driver);
  StagingDatasets staging(*client_, retry_.policy());
  auto dataset = staging.ensure(*driver);
  ASSERT_TRUE(dataset) << dataset.error().to_string();
  EXPECT_TRUE(dataset->created);
  auto stored = platform_.dataset(dataset->dataset.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["name"], staging_dataset_name(kDriver));
  EXPECT_EQ((*stored)["driver"], kDriver);
  EXPECT_EQ((*stored)["metadata"]["system"]["scope"], "system");
  EXPECT_EQ((*stored)["metadata"]["system"]["exportSolution"], true);
  EXPECT_EQ(platform_.count("POST /datasets"), 1);
  EXPECT_EQ(platform_.count("PATCH /datasets/{id}"), 1);
  // Cached: a second ensure makes no call.
  const int calls = platform_.total_calls();
  ASSERT_TRUE(staging.ensure(*driver));
  EXPECT_EQ(platform_.total_calls(), calls);
}

TEST_F(StagingTest, IgnoresSameNamedDatasetOfAnotherDriver) {
  platform_.add_driver(kDriver, false);
  Json foreign = python_app_dataset(kDriver);
  foreign["driver"] = "6600000000000000000000ff";
  const std::string foreign_id = platform_.add_dataset(foreign)["id"];
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  StagingDatasets staging(*client_, retry_.policy());
  auto dataset = staging.ensure(*driver);
  ASSERT_TRUE(dataset);
  EXPECT_NE(dataset->dataset.id, foreign_id);
  EXPECT_TRUE(dataset->created);
}

TEST_F(StagingTest, ThreadsOfOneProcessCreateOneDataset) {
  platform_.add_driver(kDriver, false);
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  ASSERT_TRUE(driver);
  StagingDatasets staging(*client_, retry_.policy());
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      auto d = staging.ensure(*driver);
      if (d) ids[i] = d->dataset.id;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(platform_.count("POST /datasets"), 1);
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(platform_.datasets().size(), 1u);
}

TEST_F(StagingTest, TwoProcessesRacingConvergeOnTheOldest) {
  platform_.add_driver(kDriver, false);
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  ASSERT_TRUE(driver);
  // Both "processes" (separate StagingDatasets, separate clients) finish their first lookup
  // before either creates: the race the platform cannot prevent.
  std::barrier lookups_done(2);
  std::atomic<int> creates{0};
  platform_.set_hook([&](const http::Request& r) -> std::optional<Result<http::Response>> {
    if (r.method == http::Method::kPost && r.url.ends_with("/datasets")) {
      if (creates.fetch_add(1) < 2) lookups_done.arrive_and_wait();
    }
    return std::nullopt;
  });
  auto client_b = platform_.make_client();
  StagingDatasets a(*client_, retry_.policy()), b(*client_b, retry_.policy());
  Result<StagingDataset> ra = not_found("unset"), rb = not_found("unset");
  std::thread ta([&] { ra = a.ensure(*driver); });
  std::thread tb([&] { rb = b.ensure(*driver); });
  ta.join();
  tb.join();
  ASSERT_TRUE(ra) << ra.error().to_string();
  ASSERT_TRUE(rb) << rb.error().to_string();
  EXPECT_EQ(creates.load(), 2);
  EXPECT_EQ(ra->dataset.id, rb->dataset.id);
  EXPECT_EQ(platform_.datasets().size(), 1u) << "the newer, empty duplicate is deleted";
  EXPECT_EQ(ra->created + rb->created, 1);
}

TEST_F(StagingTest, KeepsOldestAndNeverDeletesANonEmptyDuplicate) {
  platform_.add_driver(kDriver, false);
  const std::string older = platform_.add_dataset(python_app_dataset(kDriver))["id"];
  const std::string newer = platform_.add_dataset(python_app_dataset(kDriver))["id"];
  platform_.add_item(newer, "/staged.json");
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  StagingDatasets staging(*client_, retry_.policy());
  auto dataset = staging.ensure(*driver);
  ASSERT_TRUE(dataset);
  EXPECT_EQ(dataset->dataset.id, older);
  EXPECT_TRUE(platform_.dataset(newer).has_value());
  EXPECT_EQ(platform_.count("DELETE /datasets/{id}"), 0);
}

TEST_F(StagingTest, MarksAnUnmarkedDatasetLeftByACrash) {
  platform_.add_driver(kDriver, false);
  Json unmarked = python_app_dataset(kDriver);
  unmarked["metadata"] = Json{{"system", Json::object()}};
  const std::string id = platform_.add_dataset(unmarked)["id"];
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  StagingDatasets staging(*client_, retry_.policy());
  auto dataset = staging.ensure(*driver);
  ASSERT_TRUE(dataset);
  EXPECT_EQ(dataset->dataset.id, id);
  EXPECT_EQ(platform_.count("POST /datasets"), 0);
  EXPECT_EQ((*platform_.dataset(id))["metadata"]["system"]["exportSolution"], true);
}

TEST_F(StagingTest, AdoptsWhenTheCreateAnswersAlreadyExists) {
  platform_.add_driver(kDriver, false);
  auto driver = validate_driver(*client_, retry_.policy(), kDriver);
  ASSERT_TRUE(driver);
  // Another instance creates (but has not marked) the dataset between our lookup and our create;
  // the platform then answers 409 because names are unique per project.
  std::string theirs;
  platform_.set_hook([&](const http::Request& r) -> std::optional<Result<http::Response>> {
    if (r.method == http::Method::kPost && r.url.ends_with("/datasets")) {
      Json d = {{"name", staging_dataset_name(kDriver)}, {"driver", kDriver}};
      theirs = platform_.add_dataset(d)["id"];
      return http::testing::json_response(409, Json{{"message", "already exists"}});
    }
    return std::nullopt;
  });
  StagingDatasets staging(*client_, retry_.policy());
  auto dataset = staging.ensure(*driver);
  ASSERT_TRUE(dataset) << dataset.error().to_string();
  EXPECT_EQ(dataset->dataset.id, theirs);
  EXPECT_FALSE(dataset->created);
  EXPECT_EQ(platform_.datasets().size(), 1u);
}

}  // namespace
}  // namespace dlexport::controller
