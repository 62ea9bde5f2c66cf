// The exporter end to end against dlexport-emulator: every annotation type lands in the bucket
// with the dataloop format's exact bytes; adoption; refusal; collisions; faults; reruns; the API
// calls per exported item.

#include <gtest/gtest.h>

#include <set>

#include "controller/staging_datasets.h"
#include "dataloop/client.h"
#include "format/format.h"
#include "format/path_template.h"
#include "tests/integration/e2e_support.h"

namespace dlexport::testing {
namespace {

class ExportE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(emu_.ok());
    state_ = make_temp_dir("dlx-e2e-state");
  }
  void TearDown() override { std::filesystem::remove_all(state_); }

  app::ExportRequest dataset_request(const std::string& driver = kSafeDriver) {
    app::ExportRequest request;
    request.driver_id = driver;
    request.dataset_id = kSource;
    return request;
  }

  Emu emu_;
  std::filesystem::path state_;
};

TEST_F(ExportE2E, EveryAnnotationTypeLandsInTheBucketWithTheDataloopFormatsBytes) {
  emu_.generate(40, 19);  // 19 per item: every type, notes included
  const auto result = emu_.dlexport(
      std::string("export --driver ") + kSafeDriver + " --dataset " + kSource, state_);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("exported 40, unchanged 0, failed 0 of 40 items"), std::string::npos)
      << result.output;

  // Compare every bucket file with format::make_format("dataloop") over the emulator's item and
  // annotations, read independently through the client.
  EXPECT_EQ(emu_.bucket_files().size(), 40u);
  std::set<std::string> types;
  EXPECT_EQ(emu_.expect_bucket_matches_format(state_, kSource, &types), 40);
  EXPECT_GE(types.size(), 19u) << "the fixture covers every annotation type, note included";
  // Immediate cleanup emptied the staging dataset; the source dataset is untouched.
  Json counts = emu_.admin("GET", "/__admin/counts");
  EXPECT_EQ(counts.value("items", -1), 40) << counts.dump();
}

TEST_F(ExportE2E, AdoptsThePythonAppsStagingDataset) {
  emu_.generate(10, 2);
  const std::string existing = "66000000000000000000d520";
  emu_.admin(
      "POST", "/__admin/fixture",
      Json{{"datasets",
            Json::array({Json{{"id", existing},
                              {"name", controller::staging_dataset_name(kSafeDriver)},
                              {"projects", Json::array({kProject})},
                              {"driver", kSafeDriver},
                              {"metadata", Json{{"system", Json{{"scope", "system"},
                                                                {"exportSolution", true}}}}}}})}});
  emu_.admin("POST", "/__admin/stats/reset");
  const auto report = emu_.export_items(emu_.options(state_), dataset_request());
  ASSERT_TRUE(report.ok()) << report.fatal.to_string();
  EXPECT_EQ(report.staging_dataset_id, existing);
  EXPECT_FALSE(report.staging_created);
  EXPECT_EQ(emu_.route_count("POST /datasets"), 0);
  EXPECT_EQ(emu_.bucket_files().size(), 10u);
}

TEST_F(ExportE2E, RefusesUnsafeDriversWithoutTouchingAnything) {
  emu_.generate(10, 2);
  emu_.admin("POST", "/__admin/stats/reset");
  // (A driver without the flag is refused too — see controller_test; the emulator always fills
  // allowExternalDelete in, so it cannot serve one.)
  for (const char* driver : {kUnsafeDriver, "66000000000000000000dead"}) {
    const auto result =
        emu_.dlexport(std::string("export --driver ") + driver + " --dataset " + kSource, state_);
    EXPECT_EQ(result.exit_code, 3) << result.output;
    EXPECT_NE(result.output.find(driver), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("allow delete"), std::string::npos) << result.output;
  }
  EXPECT_EQ(emu_.route_count("POST /datasets/{id}/items"), 0);
  EXPECT_EQ(emu_.route_count("POST /datasets"), 0);
  EXPECT_TRUE(emu_.bucket_files().empty());
}

TEST_F(ExportE2E, CollisionsFailTheSecondItemAndNeverOverwrite) {
  emu_.admin("POST", "/__admin/fixture",
             Json{{"datasets", Json::array({Json{{"id", kSource},
                                                 {"name", "photos"},
                                                 {"projects", Json::array({kProject})}}})},
                  {"items", Json::array({Json{{"id", "6600000000000000000000f1"},
                                              {"datasetId", kSource},
                                              {"filename", "/pets/cat.jpg"},
                                              {"dir", "/pets"},
                                              {"name", "cat.jpg"},
                                              {"type", "file"}},
                                         Json{{"id", "6600000000000000000000f2"},
                                              {"datasetId", kSource},
                                              {"filename", "/pets/cat.png"},
                                              {"dir", "/pets"},
                                              {"name", "cat.png"},
                                              {"type", "file"}}})}});
  const auto result = emu_.dlexport(
      std::string("export --driver ") + kSafeDriver + " --dataset " + kSource, state_);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("failed 6600000000000000000000f2: path collision"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("6600000000000000000000f1"), std::string::npos);
  EXPECT_NE(result.output.find("{dir}/{name}.json"), std::string::npos);
  const auto files = emu_.bucket_files();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_NE(files.at("/pets/cat.json").find("\"name\": \"cat.jpg\""), std::string::npos);
}

TEST_F(ExportE2E, EveryItemIsExportedThroughAFaultPlan) {
  emu_.generate(200, 3);
  emu_.admin(
      "PUT", "/__admin/faults",
      Json{{"seed", 7},
           {"rules",
            Json::array({Json{{"route", "*"}, {"status", 503}, {"rate", 0.10}, {"retry_after", 0}},
                         Json{{"route", "*"}, {"status", 429}, {"rate", 0.05}, {"retry_after", 1}},
                         Json{{"route", "*"}, {"reset", true}, {"rate", 0.01}}})}});
  const auto report = emu_.export_items(
      emu_.options(state_, {{"DLEXPORT_RETRY_MAX_ATTEMPTS", "12"}}), dataset_request());
  ASSERT_TRUE(report.fatal.is_ok()) << report.fatal.to_string();
  EXPECT_EQ(report.counts.exported, 200);
  EXPECT_EQ(report.counts.failed, 0);
  EXPECT_EQ(emu_.bucket_files().size(), 200u);
  Json plan = emu_.admin("GET", "/__admin/faults");
  int fired = 0;
  for (const auto& rule : plan["rules"]) fired += rule.value("fired", 0);
  EXPECT_GT(fired, 10) << plan.dump();
}

TEST_F(ExportE2E, RerunAfterPartialFailureExportsOnlyTheRest) {
  emu_.generate(50, 2);
  emu_.admin("PUT", "/__admin/faults",
             Json{{"rules",
                   Json::array({Json{
                       {"route", "POST /datasets/{id}/items"}, {"status", 400}, {"count", 7}}})}});
  const std::string args = std::string("export --driver ") + kSafeDriver + " --dataset " + kSource;
  const auto first = emu_.dlexport(args, state_);
  EXPECT_EQ(first.exit_code, 1) << first.output;
  EXPECT_NE(first.output.find("exported 43, unchanged 0, failed 7"), std::string::npos)
      << first.output;
  emu_.admin("DELETE", "/__admin/faults");
  emu_.admin("POST", "/__admin/stats/reset");
  const auto second = emu_.dlexport(args, state_);
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("exported 7, unchanged 43, failed 0"), std::string::npos)
      << second.output;
  EXPECT_EQ(emu_.route_count("POST /datasets/{id}/items"), 7);
  EXPECT_EQ(emu_.bucket_files().size(), 50u);
}

TEST_F(ExportE2E, ApiCallsPerExportedItem) {
  emu_.generate(1000, 10);
  emu_.admin("POST", "/__admin/stats/reset");
  const auto report = emu_.export_items(emu_.options(state_), dataset_request());
  ASSERT_TRUE(report.ok()) << report.fatal.to_string();
  ASSERT_EQ(report.counts.exported, 1000);
  const Json stats = emu_.stats();
  const double per_item = stats["total"].get<double>() / 1000.0;
  std::printf(
      "API calls per exported item (1000 items x 10 annotations, immediate cleanup): "
      "%.3f\n%s\n",
      per_item, stats.dump(2).c_str());
  RecordProperty("calls_per_item", std::to_string(per_item));
  EXPECT_LE(per_item, 1.05);
  EXPECT_EQ(stats["requests"].value("POST /datasets/{id}/items", 0), 1000);
}

TEST_F(ExportE2E, ConfigCheckMasksSecretsAndFailsOnInvalidConfig) {
  const auto ok = emu_.dlexport("config check", state_);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("api_key: (set, "), std::string::npos) << ok.output;
  EXPECT_EQ(ok.output.find(emu_.token()), std::string::npos) << "the key is never printed";
  EXPECT_NE(ok.output.find("concurrency: 32"), std::string::npos);
  EXPECT_NE(ok.output.find("path_template: {dir}/{stem}.json"), std::string::npos);
  const auto bad = emu_.dlexport("config check", state_, "DLEXPORT_CONCURRENCY=0");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("export.concurrency"), std::string::npos) << bad.output;
  const auto export_bad =
      emu_.dlexport(std::string("export --driver ") + kSafeDriver + " --dataset " + kSource, state_,
                    "DLEXPORT_CLEANUP_SCHEDULE='0 3 * *'");
  EXPECT_EQ(export_bad.exit_code, 2) << export_bad.output;
}

}  // namespace
}  // namespace dlexport::testing
