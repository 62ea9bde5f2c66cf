#include "cleanup/cleaner.h"

#include <gtest/gtest.h>

#include "cleanup/safety.h"
#include "tests/fakes/fake_platform.h"

namespace dlexport::cleanup {
namespace {

using testing::FakePlatform;
using testing::NoSleepRetry;

constexpr const char* kDriver = "6600000000000000000000d1";

class CleanerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    platform_.add_driver(kDriver, false);
    staging_ = platform_.add_dataset(Json{
        {"name", std::string("Export Storage Driver - ") + kDriver},
        {"driver", kDriver},
        {"metadata", Json{{"system", Json{{"scope", "system"}, {"exportSolution", true}}}}}})["id"];
    // The customer's own dataset on the same driver, and another dataset without driver.
    customer_ = platform_.add_dataset(Json{{"name", "customer"}, {"driver", kDriver}})["id"];
    other_ = platform_.add_dataset(Json{{"name", "other"}})["id"];
    for (int i = 0; i < 3; ++i) {
      platform_.add_item(customer_, "/keep" + std::to_string(i) + ".jpg");
      platform_.add_item(other_, "/keep" + std::to_string(i) + ".jpg");
    }
  }

  // Uploads `n` staged files through the client (so the bucket gets them) and returns their ids.
  std::vector<std::string> stage(int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      auto item = client_->upload(staging_, "/dir/f" + std::to_string(next_++) + ".json", "{}");
      EXPECT_TRUE(item) << item.error().to_string();
      if (item) ids.push_back(item->id);
    }
    return ids;
  }

  void expect_others_untouched() {
    EXPECT_EQ(platform_.items_of(customer_).size(), 3u);
    EXPECT_EQ(platform_.items_of(other_).size(), 3u);
  }

  FakePlatform platform_;
  std::unique_ptr<dataloop::Client> client_ = platform_.make_client();
  NoSleepRetry retry_;
  std::string staging_, customer_, other_;
  int next_ = 0;
};

TEST_F(CleanerTest, ImmediateDeletesExactlyTheBatchWithOneCall) {
  auto batch = stage(5);
  auto later = stage(2);
  StagingCleaner cleaner(*client_, retry_.policy(), {kDriver, staging_});
  CleanupHandler handler(cleaner, config::CleanupOptions{});  // default: immediate
  platform_.reset_counts();
  ASSERT_TRUE(handler.after_batch(batch).is_ok());
  EXPECT_EQ(platform_.count("POST /datasets/{id}/query"), 1);
  EXPECT_EQ(platform_.items_of(staging_).size(), 2u);
  EXPECT_EQ(platform_.bucket().size(), 7u) << "bucket files survive";
  expect_others_untouched();
  // The dataset is verified once; the driver before every delete.
  ASSERT_TRUE(handler.after_batch(later).is_ok());
  EXPECT_EQ(platform_.count("GET /datasets/{id}"), 1);
  EXPECT_EQ(platform_.count("GET /drivers/{id}"), 2);
  EXPECT_TRUE(platform_.items_of(staging_).empty());
  EXPECT_EQ(platform_.bucket().size(), 7u);
}

TEST_F(CleanerTest, IdsOfOtherDatasetsCannotBeDeleted) {
  // Even when handed ids of the customer's items, the delete is scoped to the staging dataset.
  std::vector<std::string> foreign;
  for (const auto& item : platform_.items_of(customer_)) foreign.push_back(item["id"]);
  StagingCleaner cleaner(*client_, retry_.policy(), {kDriver, staging_});
  ASSERT_TRUE(cleaner.delete_items(foreign).is_ok());
  expect_others_untouched();
}

TEST_F(CleanerTest, RefusesWhenTheDriverNowAllowsExternalDelete) {
  auto batch = stage(3);
  platform_.add_driver(kDriver, true);  // someone flipped "allow delete" on
  StagingCleaner cleaner(*client_, retry_.policy(), {kDriver, staging_});
  Status status = cleaner.delete_items(batch);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("allowExternalDelete: true"), std::string::npos);
  EXPECT_EQ(platform_.items_of(staging_).size(), 3u);
  EXPECT_EQ(platform_.bucket().size(), 3u);
  EXPECT_EQ(cleaner.delete_all().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(platform_.bucket().size(), 3u);
}

TEST_F(CleanerTest, RefusesADatasetThatIsNotAStagingDataset) {
  StagingCleaner cleaner(*client_, retry_.policy(), {kDriver, customer_});
  EXPECT_EQ(cleaner.delete_all().code(), StatusCode::kFailedPrecondition);
  Json unscoped = *platform_.dataset(staging_);
  StagingCleaner wrong_driver(*client_, retry_.policy(), {"6600000000000000000000d9", staging_});
  EXPECT_EQ(wrong_driver.delete_all().code(), StatusCode::kFailedPrecondition);
  expect_others_untouched();
}

TEST_F(CleanerTest, ThresholdDeletesAllOnlyAboveN) {
  stage(3);
  StagingCleaner cleaner(*client_, retry_.policy(), {kDriver, staging_});
  config::CleanupOptions options;
  options.immediate = false;
  options.threshold = 3;
  CleanupHandler handler(cleaner, options);
  ASSERT_TRUE(handler.after_batch({}).is_ok());
  EXPECT_EQ(platform_.items_of(staging_).size(), 3u);
  stage(1);
  ASSERT_TRUE(handler.after_batch({}).is_ok());
  EXPECT_TRUE(platform_.items_of(staging_).empty());
  EXPECT_EQ(platform_.bucket().size(), 4u);
  expect_others_untouched();
}

TEST_F(CleanerTest, OnShutdownAndNone) {
  auto staged = stage(4);
  StagingCleaner cleaner(*client_, retry_.policy(), {kDriver, staging_});
  config::CleanupOptions none;
  none.immediate = false;
  CleanupHandler nothing(cleaner, none);
  platform_.reset_counts();
  ASSERT_TRUE(nothing.after_batch(staged).is_ok());
  ASSERT_TRUE(nothing.on_shutdown().is_ok());
  EXPECT_EQ(platform_.total_calls(), 0);
  EXPECT_EQ(platform_.items_of(staging_).size(), 4u);

  config::CleanupOptions shutdown = none;
  shutdown.on_shutdown = true;
  CleanupHandler at_exit(cleaner, shutdown);
  ASSERT_TRUE(at_exit.after_batch(staged).is_ok());
  EXPECT_EQ(platform_.items_of(staging_).size(), 4u);
  ASSERT_TRUE(at_exit.on_shutdown().is_ok());
  EXPECT_TRUE(platform_.items_of(staging_).empty());
  EXPECT_EQ(platform_.bucket().size(), 4u);
  expect_others_untouched();
}

TEST(SafetyTest, DriverChecks) {
  dataloop::Driver driver;
  driver.id = "d1";
  EXPECT_EQ(check_driver_safe(driver).code(), StatusCode::kFailedPrecondition);
  driver.allow_external_delete = true;
  EXPECT_EQ(check_driver_safe(driver).code(), StatusCode::kFailedPrecondition);
  driver.allow_external_delete = false;
  EXPECT_TRUE(check_driver_safe(driver).is_ok());
  EXPECT_EQ(driver_lookup_error("d1", not_found("x")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(driver_lookup_error("d1", unavailable("x")).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace dlexport::cleanup
