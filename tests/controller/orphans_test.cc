#include "controller/orphans.h"

#include <gtest/gtest.h>

#include "controller/staging_datasets.h"
#include "tests/fakes/fake_platform.h"

namespace dlexport::controller {
namespace {

using testing::FakePlatform;
using testing::NoSleepRetry;

Json staging(const std::string& driver_id) {
  return Json{{"name", staging_dataset_name(driver_id)},
              {"driver", driver_id},
              {"metadata", Json{{"system", Json{{"scope", "system"}, {"exportSolution", true}}}}}};
}

TEST(OrphansTest, DeletesOnlyStagingDatasetsWhoseDriverAnswers404) {
  FakePlatform platform;
  auto client = platform.make_client();
  NoSleepRetry retry(2);
  const std::string live = "6600000000000000000000d1", gone = "6600000000000000000000d2",
                    forbidden = "6600000000000000000000d3", broken = "6600000000000000000000d4";
  platform.add_driver(live, false);
  platform.add_driver(forbidden, false);
  platform.add_driver(broken, false);
  const std::string live_ds = platform.add_dataset(staging(live))["id"];
  const std::string gone_ds = platform.add_dataset(staging(gone))["id"];
  const std::string forbidden_ds = platform.add_dataset(staging(forbidden))["id"];
  const std::string broken_ds = platform.add_dataset(staging(broken))["id"];
  // A normal dataset on a vanished driver is not ours: never touched.
  const std::string user_ds =
      platform.add_dataset(Json{{"name", "customer data"}, {"driver", gone}})["id"];
  platform.add_item(live_ds, "/a.json");
  platform.fail_route("GET /drivers/{id}", 403, forbidden);
  platform.fail_route("GET /drivers/{id}", 500, broken);

  auto decisions = clean_orphans(*client, retry.policy(), {});
  ASSERT_TRUE(decisions) << decisions.error().to_string();
  EXPECT_EQ(decisions->size(), 4u);
  EXPECT_FALSE(platform.dataset(gone_ds).has_value());
  EXPECT_TRUE(platform.dataset(live_ds).has_value());
  EXPECT_TRUE(platform.dataset(forbidden_ds).has_value());
  EXPECT_TRUE(platform.dataset(broken_ds).has_value());
  EXPECT_TRUE(platform.dataset(user_ds).has_value());
  EXPECT_EQ(platform.items_of(live_ds).size(), 1u) << "live staging items are not deleted";
  for (const auto& d : *decisions) {
    EXPECT_EQ(d.deleted, d.dataset_id == gone_ds) << d.dataset_id << ": " << d.reason;
  }
}

TEST(OrphansTest, DryRunDeletesNothing) {
  FakePlatform platform;
  auto client = platform.make_client();
  NoSleepRetry retry;
  const std::string gone_ds = platform.add_dataset(staging("6600000000000000000000d2"))["id"];
  auto decisions = clean_orphans(*client, retry.policy(), {true, ""});
  ASSERT_TRUE(decisions);
  ASSERT_EQ(decisions->size(), 1u);
  EXPECT_TRUE((*decisions)[0].orphan);
  EXPECT_FALSE((*decisions)[0].deleted);
  EXPECT_TRUE(platform.dataset(gone_ds).has_value());
}

}  // namespace
}  // namespace dlexport::controller
