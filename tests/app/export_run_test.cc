#include "app/export_run.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "controller/staging_datasets.h"
#include "queue/sqlite/sqlite_export_ledger.h"
#include "queue/sqlite/sqlite_path_claims.h"
#include "tests/fakes/fake_platform.h"

namespace dlexport::app {
namespace {

using testing::FakePlatform;
using testing::NoSleepRetry;

constexpr const char* kDriver = "6600000000000000000000d1";

bool is_upload(const http::Request& r) { return r.url.find("/items?mode=") != std::string::npos; }
std::string upload_path(const http::Request& r) {
  for (const auto& part : r.parts) {
    if (part.name == "path") return part.data;
  }
  return {};
}

class ExportRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    platform_.add_driver(kDriver, false);
    source_ = platform_.add_dataset(Json{{"name", "source"}})["id"];
    format_ = std::move(format::make_format("dataloop")).value();
    tmpl_ = std::make_unique<format::PathTemplate>(
        format::PathTemplate::parse(format::kDefaultPathTemplate).value());
    ledger_ = std::move(queue::open_sqlite_export_ledger(":memory:")).value();
    export_options_.concurrency = 4;
    export_options_.batch_size = 10;
  }

  std::vector<std::string> add_items(int n, int annotations_each = 3) {
    static const char* kTypes[] = {"box", "point", "class", "note", "segment"};
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      const std::string id = platform_.add_item(
          source_, "/dir" + std::to_string(i % 3) + "/img" + std::to_string(i) + ".jpg")["id"];
      for (int a = 0; a < annotations_each; ++a) platform_.add_annotation(id, kTypes[a % 5]);
      ids.push_back(id);
    }
    return ids;
  }

  ExportReport run(ExportRequest request = {}) {
    if (request.driver_id.empty()) request.driver_id = kDriver;
    if (request.item_ids.empty() && request.dataset_id.empty()) request.dataset_id = source_;
    ExportDeps deps{*client_,      retry_.policy(), *format_,        *tmpl_,
                    ledger_.get(), export_options_, cleanup_options_};
    deps.path_claims = claims_;
    return run_export(deps, request);
  }

  std::string expected_bytes(const std::string& item_id) {
    auto item = platform_.item(item_id);
    auto annotations = platform_.annotations_of(item_id);
    auto encoded = format_->encode(*item, annotations);
    return encoded.value().bytes;
  }

  std::string staging_id() {
    for (const auto& d : platform_.datasets()) {
      if (d["name"] == controller::staging_dataset_name(kDriver)) return d["id"];
    }
    return {};
  }

  int uploads() const { return platform_.count("POST /datasets/{id}/items"); }

  FakePlatform platform_;
  std::unique_ptr<dataloop::Client> client_ = platform_.make_client();
  NoSleepRetry retry_{3};
  std::string source_;
  format::FormatPtr format_;
  std::unique_ptr<format::PathTemplate> tmpl_;
  queue::ExportLedgerPtr ledger_;
  config::ExportOptions export_options_;
  config::CleanupOptions cleanup_options_;
  queue::PathClaims* claims_ = nullptr;  // null: the run's own index
};

// The real index, but every path gets the same hash: each claim after the first is a candidate
// conflict that only re-reading the first item can settle.
class OneHashClaims final : public queue::PathClaims {
 public:
  Result<std::vector<queue::ClaimConflict>> claim(
      std::span<const queue::PathClaim> claims) override {
    std::vector<queue::PathClaim> same(claims.begin(), claims.end());
    for (auto& c : same) c.path_hash = 7;
    return inner_->claim(same);
  }

 private:
  queue::PathClaimsPtr inner_ = std::move(queue::open_sqlite_path_claims()).value();
};

class FailingClaims final : public queue::PathClaims {
 public:
  Result<std::vector<queue::ClaimConflict>> claim(std::span<const queue::PathClaim>) override {
    ++calls;
    return internal_error("path claims: claim: database or disk is full");
  }
  std::atomic<int> calls{0};
};

TEST_F(ExportRunTest, ExportsEveryItemWithTheFormatsBytesAndCleansUp) {
  const auto ids = add_items(25);
  const ExportReport report = run();
  ASSERT_TRUE(report.fatal.is_ok()) << report.fatal.to_string();
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.counts.exported, 25);
  EXPECT_EQ(report.counts.total, 25);
  const auto bucket = platform_.bucket();
  ASSERT_EQ(bucket.size(), 25u);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string path = "/dir" + std::to_string(i % 3) + "/img" + std::to_string(i) + ".json";
    auto it = bucket.find({kDriver, path});
    ASSERT_NE(it, bucket.end()) << path;
    EXPECT_EQ(it->second, expected_bytes(ids[i])) << path;
  }
  EXPECT_TRUE(platform_.items_of(staging_id()).empty()) << "immediate cleanup";
  EXPECT_EQ(platform_.items_of(source_).size(), 25u) << "source items are never touched";
  // One batched annotation query and one bulk delete per batch of 10.
  EXPECT_EQ(platform_.count("POST /datasets/{id}/query"), 1 + 3 + 3);
}

TEST_F(ExportRunTest, ApiCallsPerItemStayBelowTheTarget) {
  export_options_.batch_size = 100;
  export_options_.concurrency = 8;
  add_items(1000, 2);
  const ExportReport report = run();
  ASSERT_TRUE(report.ok()) << report.fatal.to_string();
  const double per_item = platform_.total_calls() / 1000.0;
  EXPECT_LE(per_item, 1.05) << platform_.total_calls() << " calls";
  EXPECT_EQ(uploads(), 1000);
}

TEST_F(ExportRunTest, FailedAnnotationQueryFailsItsItemsInsteadOfExportingEmptyLists) {
  add_items(12);
  platform_.set_hook([](const http::Request& r) -> std::optional<Result<http::Response>> {
    if (r.body.find("\"resource\":\"annotations\"") != std::string::npos) {
      return http::testing::json_response(400, Json{{"message", "bad query"}});
    }
    return std::nullopt;
  });
  const ExportReport report = run();
  EXPECT_EQ(report.counts.failed, 12);
  EXPECT_EQ(report.counts.exported, 0);
  EXPECT_EQ(uploads(), 0);
  ASSERT_FALSE(report.failures.empty());
  EXPECT_NE(report.failures[0].reason.find("annotation query failed"), std::string::npos);
  EXPECT_FALSE(report.ok());
}

TEST_F(ExportRunTest, CollisionFailsTheSecondItemNamingBoth) {
  const std::string jpg = platform_.add_item(source_, "/a/cat.jpg")["id"];
  const std::string png = platform_.add_item(source_, "/a/cat.png")["id"];
  const ExportReport report = run();
  EXPECT_EQ(report.counts.exported, 1);
  EXPECT_EQ(report.counts.failed, 1);
  ASSERT_EQ(report.failures.size(), 1u);
  const auto& reason = report.failures[0].reason;
  EXPECT_NE(reason.find(jpg), std::string::npos);
  EXPECT_NE(reason.find(png), std::string::npos);
  EXPECT_NE(reason.find("{dir}/{name}.json"), std::string::npos);
  const auto bucket = platform_.bucket();
  ASSERT_EQ(bucket.size(), 1u);
  EXPECT_EQ(bucket.begin()->second, expected_bytes(report.failures[0].item_id == png ? jpg : png));
  EXPECT_EQ(uploads(), 1);
}

TEST_F(ExportRunTest, CollisionAcrossBatchesFailsTheSecondItem) {
  const std::string jpg = platform_.add_item(source_, "/a/cat.jpg")["id"];
  add_items(15);
  const std::string png = platform_.add_item(source_, "/a/cat.png")["id"];
  const ExportReport report = run();  // batches of 10: the two land in different batches
  EXPECT_EQ(report.counts.exported, 16);
  EXPECT_EQ(report.counts.failed, 1);
  ASSERT_EQ(report.failures.size(), 1u);
  const auto& reason = report.failures[0].reason;
  EXPECT_NE(reason.find("path collision: item"), std::string::npos) << reason;
  EXPECT_NE(reason.find(jpg), std::string::npos) << reason;
  EXPECT_NE(reason.find(png), std::string::npos) << reason;
  EXPECT_NE(reason.find("cat.jpg"), std::string::npos) << "names the first item's file";
  EXPECT_EQ(platform_.bucket().at({kDriver, "/a/cat.json"}),
            expected_bytes(report.failures[0].item_id == png ? jpg : png));
  EXPECT_EQ(uploads(), 16);
}

TEST_F(ExportRunTest, AHashClashBetweenDifferentPathsIsNotACollision) {
  OneHashClaims claims;
  claims_ = &claims;
  const std::string cat = platform_.add_item(source_, "/a/cat.jpg")["id"];
  const std::string dog = platform_.add_item(source_, "/a/dog.jpg")["id"];
  const ExportReport report = run();
  EXPECT_TRUE(report.ok()) << (report.failures.empty() ? "" : report.failures[0].reason);
  EXPECT_EQ(report.counts.exported, 2);
  EXPECT_EQ(platform_.bucket().at({kDriver, "/a/cat.json"}), expected_bytes(cat));
  EXPECT_EQ(platform_.bucket().at({kDriver, "/a/dog.json"}), expected_bytes(dog));
  EXPECT_EQ(platform_.count("GET /items/{id}"), 1) << "the first item re-read once to compare";
}

TEST_F(ExportRunTest, CollisionCheckFailureFailsTheItemsWithoutUploading) {
  FailingClaims claims;
  claims_ = &claims;
  add_items(12);
  const ExportReport report = run();
  ASSERT_TRUE(report.fatal.is_ok()) << report.fatal.to_string();
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.counts.failed, 12);
  EXPECT_EQ(report.counts.exported, 0);
  EXPECT_EQ(claims.calls.load(), 2) << "one claim per batch of 10";
  ASSERT_EQ(report.failures.size(), 12u);
  for (const auto& f : report.failures) {
    EXPECT_NE(f.reason.find("cannot check for path collisions"), std::string::npos) << f.reason;
    EXPECT_NE(f.reason.find("disk is full"), std::string::npos) << f.reason;
  }
  EXPECT_EQ(uploads(), 0);
  EXPECT_TRUE(platform_.bucket().empty());
}

TEST_F(ExportRunTest, TheReportKeepsTheFirstFailuresAndCountsThemAll) {
  FailingClaims claims;
  claims_ = &claims;
  export_options_.batch_size = 100;
  const auto n = static_cast<std::int64_t>(kMaxReportedFailures) + 50;
  add_items(static_cast<int>(n), 0);
  const ExportReport report = run();
  EXPECT_EQ(report.counts.failed, n);
  EXPECT_EQ(report.failures.size(), kMaxReportedFailures);
  std::set<std::string> distinct;
  for (const auto& f : report.failures) distinct.insert(f.item_id);
  EXPECT_EQ(distinct.size(), kMaxReportedFailures);
}

TEST_F(ExportRunTest, RerunUploadsOnlyWhatChanged) {
  const auto ids = add_items(15);
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(uploads(), 15);
  platform_.reset_counts();
  ExportReport again = run();
  EXPECT_TRUE(again.ok());
  EXPECT_EQ(again.counts.unchanged, 15);
  EXPECT_EQ(again.counts.exported, 0);
  EXPECT_EQ(uploads(), 0);
  platform_.add_annotation(ids[4], "box");
  platform_.reset_counts();
  ExportReport changed = run();
  EXPECT_EQ(changed.counts.exported, 1);
  EXPECT_EQ(changed.counts.unchanged, 14);
  EXPECT_EQ(uploads(), 1);
  EXPECT_EQ(platform_.bucket().at({kDriver, "/dir1/img4.json"}), expected_bytes(ids[4]));
  ExportRequest forced;
  forced.force = true;
  platform_.reset_counts();
  EXPECT_EQ(run(forced).counts.exported, 15);
  EXPECT_EQ(uploads(), 15);
}

TEST_F(ExportRunTest, RerunAfterPartialFailureExportsOnlyTheRest) {
  add_items(20);
  std::set<std::string> broken = {"/dir0/img3.json", "/dir1/img7.json", "/dir2/img11.json"};
  platform_.set_hook([&](const http::Request& r) -> std::optional<Result<http::Response>> {
    if (is_upload(r) && broken.count(upload_path(r)) > 0) {
      return http::testing::json_response(503, Json{{"message", "busy"}});
    }
    return std::nullopt;
  });
  const ExportReport first = run();
  EXPECT_EQ(first.counts.failed, 3);
  EXPECT_EQ(first.counts.exported, 17);
  EXPECT_FALSE(first.ok());
  platform_.set_hook(nullptr);
  platform_.reset_counts();
  const ExportReport second = run();
  EXPECT_TRUE(second.ok());
  EXPECT_EQ(second.counts.exported, 3);
  EXPECT_EQ(second.counts.unchanged, 17);
  EXPECT_EQ(uploads(), 3);
  EXPECT_EQ(platform_.bucket().size(), 20u);
}

TEST_F(ExportRunTest, UploadsFailingTransientlyAreRetriedWithinTheAttemptLimit) {
  add_items(24);
  // Every file's first upload attempt is refused, and one file's are all refused: the retry
  // policy (3 attempts here) still applies to uploads whose first attempt ran concurrently.
  std::mutex mu;
  std::map<std::string, int> attempts;
  platform_.set_hook([&](const http::Request& r) -> std::optional<Result<http::Response>> {
    if (!is_upload(r)) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu);
    const std::string path = upload_path(r);
    if (++attempts[path] == 1 || path == "/dir1/img4.json") {
      return http::testing::json_response(503, Json{{"message", "busy"}});
    }
    return std::nullopt;
  });
  const ExportReport report = run();
  EXPECT_EQ(report.counts.exported, 23);
  EXPECT_EQ(report.counts.failed, 1);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_NE(report.failures[0].reason.find("upload failed"), std::string::npos)
      << report.failures[0].reason;
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(attempts.size(), 24u);
  for (const auto& [path, count] : attempts) {
    EXPECT_EQ(count, path == "/dir1/img4.json" ? 3 : 2) << path;
  }
  EXPECT_EQ(platform_.bucket().size(), 23u);
}

TEST_F(ExportRunTest, ReReadingTheDriverAfterAFailedUploadDoesNotStallTheOtherUploads) {
  // After an upload fails for good, a helper re-reads the driver: a platform call, and slow
  // exactly when the platform is in trouble. The upload engine must keep starting (and
  // completing) its other uploads meanwhile. Here the driver read answers only once two more
  // uploads have arrived while it runs; a bounded wait turns a stalled engine into a failure.
  add_items(12);
  export_options_.concurrency = 2;  // one engine with two uploads in flight
  export_options_.batch_size = 100;
  constexpr auto kBound = std::chrono::seconds(10);
  std::mutex mu;
  std::condition_variable changed;
  int uploads_seen = 0;
  bool reading_driver = false;
  bool driver_read = false;
  int uploads_during_read = 0;
  bool not_stalled = false;
  platform_.set_hook([&](const http::Request& r) -> std::optional<Result<http::Response>> {
    std::unique_lock<std::mutex> lock(mu);
    if (is_upload(r)) {
      const int n = ++uploads_seen;
      if (n == 1) return http::testing::json_response(400, Json{{"message", "bad file"}});
      // The third upload is started after the first one failed; holding it until the driver
      // read has begun makes the fourth start while that read is surely in progress.
      if (n == 3) changed.wait_for(lock, kBound, [&] { return driver_read; });
      if (reading_driver) {
        ++uploads_during_read;
        changed.notify_all();
      }
      return std::nullopt;
    }
    const bool driver_get =
        r.method == http::Method::kGet && r.url.find("/drivers/") != std::string::npos;
    if (driver_get && uploads_seen > 0 && !driver_read) {
      driver_read = true;
      reading_driver = true;
      changed.notify_all();
      not_stalled = changed.wait_for(lock, kBound, [&] { return uploads_during_read >= 2; });
      reading_driver = false;
    }
    return std::nullopt;
  });
  const ExportReport report = run();
  EXPECT_EQ(report.counts.exported, 11);
  EXPECT_EQ(report.counts.failed, 1);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_NE(report.failures[0].reason.find("upload failed"), std::string::npos)
      << report.failures[0].reason;
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_TRUE(driver_read) << "the failed upload made the run re-read the driver";
  EXPECT_TRUE(not_stalled) << "uploads stopped while the driver was being re-read";
}

TEST_F(ExportRunTest, RefusedDriverUploadsNothing) {
  add_items(5);
  platform_.add_driver(kDriver, true);
  const ExportReport report = run();
  EXPECT_TRUE(report.refused);
  EXPECT_EQ(report.fatal.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(uploads(), 0);
  EXPECT_EQ(platform_.count("POST /datasets"), 0);
  EXPECT_TRUE(platform_.bucket().empty());
}

TEST_F(ExportRunTest, DriverDeletedWhileRunningFailsItemsWithThatReason) {
  add_items(30);
  export_options_.concurrency = 1;
  std::atomic<int> seen{0};
  platform_.set_hook([&](const http::Request& r) -> std::optional<Result<http::Response>> {
    if (!is_upload(r)) return std::nullopt;
    if (seen.fetch_add(1) < 5) return std::nullopt;
    platform_.remove_driver(kDriver);
    return http::testing::json_response(404, Json{{"message", "Driver not found"}});
  });
  const ExportReport report = run();
  EXPECT_EQ(report.counts.exported, 5);
  EXPECT_EQ(report.counts.failed, 25);
  for (const auto& f : report.failures) {
    EXPECT_NE(f.reason.find(std::string(kDriver) + " does not exist"), std::string::npos)
        << f.reason;
  }
  EXPECT_LE(seen.load(), 7) << "later items fail without an upload attempt";
}

TEST_F(ExportRunTest, ItemIdsIncludingAMissingOne) {
  const auto ids = add_items(3);
  ExportRequest request;
  request.item_ids = {ids[0], ids[2], "0000000000000000000fffff", ids[0]};
  const ExportReport report = run(request);
  EXPECT_EQ(report.counts.total, 3);
  EXPECT_EQ(report.counts.exported, 2);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_NE(report.failures[0].reason.find("item not found"), std::string::npos);
}

TEST_F(ExportRunTest, CleanupNoneLeavesStagedItemsAndOnShutdownRemovesThem) {
  add_items(8);
  cleanup_options_.immediate = false;
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(platform_.items_of(staging_id()).size(), 8u);
  cleanup_options_.on_shutdown = true;
  ExportRequest forced;
  forced.force = true;
  ASSERT_TRUE(run(forced).ok());
  EXPECT_TRUE(platform_.items_of(staging_id()).empty());
  EXPECT_EQ(platform_.bucket().size(), 8u);
}

TEST_F(ExportRunTest, StopRequestSkipsListingAndStillRunsShutdownCleanup) {
  add_items(8);
  cleanup_options_.immediate = false;
  ASSERT_TRUE(run().ok());
  ASSERT_EQ(platform_.items_of(staging_id()).size(), 8u);
  cleanup_options_.on_shutdown = true;
  std::atomic<bool> stop{true};  // SIGTERM arrived before the listing started
  ExportDeps deps{*client_,        retry_.policy(),  *format_, *tmpl_, ledger_.get(),
                  export_options_, cleanup_options_, nullptr,  &stop};
  ExportRequest request;
  request.driver_id = kDriver;
  request.dataset_id = source_;
  platform_.reset_counts();
  const ExportReport report = run_export(deps, request);
  EXPECT_TRUE(report.interrupted);
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.counts.done(), 0);
  EXPECT_EQ(uploads(), 0);
  EXPECT_TRUE(platform_.items_of(staging_id()).empty());
  EXPECT_EQ(platform_.bucket().size(), 8u);
}

}  // namespace
}  // namespace dlexport::app
