// Cleanup against dlexport-emulator: orphan cleanup deletes only on 404; every strategy leaves the
// bucket files in place and touches nothing outside the staging dataset.

#include <gtest/gtest.h>

#include "cleanup/cleaner.h"
#include "cleanup/scheduler.h"
#include "controller/staging_datasets.h"
#include "tests/integration/e2e_support.h"

namespace dlexport::testing {
namespace {

Json staging_dataset(const std::string& id, const std::string& driver) {
  return Json{{"id", id},
              {"name", controller::staging_dataset_name(driver)},
              {"projects", Json::array({kProject})},
              {"driver", driver},
              {"metadata", Json{{"system", Json{{"scope", "system"}, {"exportSolution", true}}}}}};
}

class CleanupE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(emu_.ok());
    state_ = make_temp_dir("dlx-e2e-state");
  }
  void TearDown() override { std::filesystem::remove_all(state_); }

  // Exports `n` generated items with the given cleanup settings; returns the report.
  app::ExportReport export_with(const std::map<std::string, std::string>& cleanup_env, int n = 12) {
    emu_.generate(n, 2);
    app::ExportRequest request;
    request.driver_id = kSafeDriver;
    request.dataset_id = kSource;
    auto report = emu_.export_items(emu_.options(state_, cleanup_env), request);
    EXPECT_TRUE(report.ok()) << report.fatal.to_string();
    return report;
  }

  std::int64_t staged_count(const std::string& dataset_id) {
    auto platform = app::make_platform(emu_.options(state_)).value();
    dataloop::ItemFilter all;
    all.include_defaults = false;
    return platform.client->count_items(dataset_id, all).value();
  }

  Emu emu_;
  std::filesystem::path state_;
};

TEST_F(CleanupE2E, OrphansAreDeletedOnlyWhenTheDriverAnswers404) {
  const std::string orphan = "66000000000000000000d601", live = "66000000000000000000d602";
  // The emulator cannot delete a driver and refuses datasets naming an unknown driver id, but it
  // accepts a driver reference that is not an id; GET /drivers/{that} answers 404 like a deleted
  // driver, which is all orphan cleanup looks at.
  emu_.admin("POST", "/__admin/fixture",
             Json{{"datasets", Json::array({staging_dataset(orphan, "deleted-driver"),
                                            staging_dataset(live, kSafeDriver)})}});
  auto exists = [&](const std::string& id) {
    Json counts = emu_.admin("GET", "/__admin/counts");
    (void)counts;
    auto platform = app::make_platform(emu_.options(state_)).value();
    return platform.client->get_dataset(id).has_value();
  };
  for (int status : {403, 500}) {
    emu_.admin(
        "PUT", "/__admin/faults",
        Json{{"rules", Json::array({Json{{"route", "GET /drivers/{id}"}, {"status", status}}})}});
    const auto result = emu_.dlexport("cleanup --orphans", state_, "DLEXPORT_RETRY_MAX_ATTEMPTS=2");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("driver lookup failed"), std::string::npos) << result.output;
    emu_.admin("DELETE", "/__admin/faults");
    EXPECT_TRUE(exists(orphan)) << "kept on " << status;
    EXPECT_TRUE(exists(live));
  }
  const auto dry = emu_.dlexport("cleanup --orphans --dry-run", state_);
  EXPECT_NE(dry.output.find("would delete"), std::string::npos) << dry.output;
  EXPECT_TRUE(exists(orphan));
  const auto result = emu_.dlexport("cleanup --orphans", state_);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_FALSE(exists(orphan));
  EXPECT_TRUE(exists(live));
}

TEST_F(CleanupE2E, ImmediateEmptiesTheStagingDatasetAndKeepsFiles) {
  const auto report = export_with({});
  EXPECT_EQ(staged_count(report.staging_dataset_id), 0);
  EXPECT_EQ(emu_.bucket_files().size(), 12u);
}

TEST_F(CleanupE2E, NoneKeepsStagedItemsAndCliCleanupRemovesThemButNotTheFiles) {
  const auto report = export_with({{"DLEXPORT_CLEANUP_IMMEDIATE", "false"}});
  EXPECT_EQ(staged_count(report.staging_dataset_id), 12);
  const auto dry =
      emu_.dlexport(std::string("cleanup --driver ") + kSafeDriver + " --dry-run", state_);
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("12 staged items"), std::string::npos) << dry.output;
  EXPECT_EQ(staged_count(report.staging_dataset_id), 12);
  const auto real = emu_.dlexport(std::string("cleanup --driver ") + kSafeDriver, state_);
  EXPECT_EQ(real.exit_code, 0) << real.output;
  EXPECT_EQ(staged_count(report.staging_dataset_id), 0);
  EXPECT_EQ(emu_.bucket_files().size(), 12u);
  Json counts = emu_.admin("GET", "/__admin/counts");
  EXPECT_EQ(counts.value("items", -1), 12) << "source items untouched: " << counts.dump();
}

TEST_F(CleanupE2E, ThresholdDeletesOnceTheDatasetHoldsMoreThanN) {
  const auto report = export_with({{"DLEXPORT_CLEANUP_IMMEDIATE", "false"},
                                   {"DLEXPORT_CLEANUP_THRESHOLD", "15"},
                                   {"DLEXPORT_BATCH_SIZE", "10"}},
                                  40);
  EXPECT_LE(staged_count(report.staging_dataset_id), 15);
  EXPECT_EQ(emu_.bucket_files().size(), 40u);
}

TEST_F(CleanupE2E, OnShutdownDeletesAtTheEnd) {
  const auto report = export_with(
      {{"DLEXPORT_CLEANUP_IMMEDIATE", "false"}, {"DLEXPORT_CLEANUP_ON_SHUTDOWN", "true"}});
  EXPECT_EQ(staged_count(report.staging_dataset_id), 0);
  EXPECT_EQ(emu_.bucket_files().size(), 12u);
}

// Jumps a fake clock to each deadline instead of sleeping.
class JumpingWaiter final : public cleanup::Waiter {
 public:
  JumpingWaiter(FakeClock& clock, int limit) : clock_(clock), limit_(limit) {}
  bool wait_until(Clock::TimePoint deadline) override {
    if (waits_++ >= limit_) return false;
    clock_.set(deadline);
    return true;
  }
  void stop() override { waits_ = limit_; }

 private:
  FakeClock& clock_;
  int limit_;
  int waits_ = 0;
};

TEST_F(CleanupE2E, ScheduleDeletesAtTheCronTimeOnAFakeClock) {
  const auto report = export_with({{"DLEXPORT_CLEANUP_IMMEDIATE", "false"}});
  ASSERT_EQ(staged_count(report.staging_dataset_id), 12);
  auto options = emu_.options(state_);
  auto platform = app::make_platform(options).value();
  cleanup::StagingCleaner cleaner(*platform.client, *platform.retry,
                                  {kSafeDriver, report.staging_dataset_id});
  FakeClock clock;
  JumpingWaiter waiter(clock, 1);
  cleanup::CleanupScheduler scheduler(cleanup::CronSchedule::parse("0 3 * * 0").value(), clock,
                                      waiter, [&] { ASSERT_TRUE(cleaner.delete_all().is_ok()); });
  scheduler.run();
  EXPECT_EQ(scheduler.runs(), 1);
  EXPECT_EQ(staged_count(report.staging_dataset_id), 0);
  EXPECT_EQ(emu_.bucket_files().size(), 12u);
}

TEST_F(CleanupE2E, CleanupRefusesADriverThatNowAllowsDelete) {
  const auto report = export_with({{"DLEXPORT_CLEANUP_IMMEDIATE", "false"}});
  emu_.admin("POST", "/__admin/fixture",
             Json{{"drivers", Json::array({driver_json(kSafeDriver, true)})}});
  const auto result = emu_.dlexport(std::string("cleanup --driver ") + kSafeDriver, state_);
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_EQ(staged_count(report.staging_dataset_id), 12);
  EXPECT_EQ(emu_.bucket_files().size(), 12u);
}

}  // namespace
}  // namespace dlexport::testing
