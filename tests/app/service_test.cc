// The service wiring end to end in one process: HTTP intake -> durable queue -> workers -> a fake
// engine, then an orderly shutdown; and a restart that finds the released jobs again.

#include "app/service.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>

#include "tests/support/paths.h"

namespace dlexport::app {
namespace {

const std::string kToken = "svc-token";
const std::string kSecret = "svc-secret";
const std::string kDriver = "6600000000000000000000d1";

std::string item(int n) { return fmt::format("{:024x}", n); }

// Records every exported item; with the gate closed it holds batches until asked to stop.
class RecordingExporter final : public worker::BatchExporter {
 public:
  std::vector<worker::ItemOutcome> export_batch(const queue::Target&,
                                                std::span<const queue::Job> jobs,
                                                std::stop_token stop) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, stop, [&] { return open_; });
    std::vector<worker::ItemOutcome> out;
    for (const auto& job : jobs) {
      if (stop.stop_requested()) {
        out.push_back({job.item_id, Status(StatusCode::kCancelled, "stopping"), 0});
      } else {
        exported_.insert(job.item_id);
        out.push_back({job.item_id, Status(), 100});
      }
    }
    cv_.notify_all();
    return out;
  }
  bool wait_exported(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return exported_.size() >= n; });
  }
  bool wait_entered() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return entered_ > 0; });
  }
  void set_open(bool open) {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = open;
    cv_.notify_all();
  }
  std::size_t exported() {
    std::lock_guard<std::mutex> lock(mu_);
    return exported_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable_any cv_;
  bool open_ = true;
  int entered_ = 0;
  std::set<std::string> exported_;
};

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = dlexport::testing::make_temp_dir("dlx-service");
    options_.server.listen = "127.0.0.1:0";
    options_.server.control_token = config::Secret(kToken);
    options_.server.webhook_secret = config::Secret(kSecret);
    options_.server.drain_timeout_ms = 5000;
    options_.queue.state_dir = (dir_ / "state").string();
    options_.export_.batch_size = 7;
  }
  void TearDown() override {
    service_.reset();
    std::filesystem::remove_all(dir_);
  }

  void start(ServiceDeps deps = {}) {
    deps.exporter = &exporter_;
    deps.on_shutdown = [this] { ++shutdown_hooks_; };
    auto service = Service::start(options_, deps);
    ASSERT_TRUE(service.has_value()) << service.status().to_string();
    service_ = std::move(service).value();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", service_->http_port());
  }

  std::filesystem::path dir_;
  config::Options options_;
  RecordingExporter exporter_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<httplib::Client> client_;
  int shutdown_hooks_ = 0;
};

TEST_F(ServiceTest, ApiAndWebhookItemsAreExportedAndShutdownIsOrderly) {
  start();
  Json ids = Json::array();
  for (int i = 0; i < 50; ++i) ids.push_back(item(i));
  auto api =
      client_->Post("/v1/exports", {{"Authorization", "Bearer " + kToken}},
                    Json{{"driver_id", kDriver}, {"item_ids", ids}}.dump(), "application/json");
  ASSERT_TRUE(api);
  ASSERT_EQ(api->status, 202) << api->body;
  Json events = Json::array();
  // Disjoint from the API's items: an item re-enqueued while in flight would (rightly) run again
  // after its ack, and the drain below would then leave it pending for the next start.
  for (int i = 50; i < 60; ++i) events.push_back({{"itemId", item(i)}});
  for (int i = 50; i < 55; ++i) events.push_back({{"id", item(i)}});
  auto hook = client_->Post(("/v1/hooks/dataloop/" + kDriver + "?secret=" + kSecret).c_str(),
                            events.dump(), "application/json");
  ASSERT_EQ(hook->status, 202) << hook->body;

  ASSERT_TRUE(exporter_.wait_exported(60));
  EXPECT_EQ(client_->Get("/readyz")->status, 200);
  const std::string metrics = client_->Get("/metrics")->body;
  EXPECT_NE(metrics.find("# TYPE dlexport_queue_depth gauge"), std::string::npos);
  EXPECT_NE(metrics.find("dlexport_enqueued_items_total{source=\"webhook\"} 10"), std::string::npos)
      << metrics;

  const ShutdownReport report = service_->shutdown();
  EXPECT_FALSE(report.drain.timed_out);
  EXPECT_EQ(shutdown_hooks_, 1);
  auto stats = service_->queue().stats().value();
  EXPECT_EQ(stats.pending + stats.in_flight + stats.dead, 0);
  EXPECT_EQ(exporter_.exported(), 60u);
}

TEST_F(ServiceTest, JobsReleasedAtTheDrainDeadlineAreExportedAfterARestart) {
  options_.server.drain_timeout_ms = 10;
  exporter_.set_open(false);
  start();
  Json ids = Json::array();
  for (int i = 0; i < 5; ++i) ids.push_back(item(i));
  ASSERT_EQ(client_
                ->Post("/v1/exports", {{"Authorization", "Bearer " + kToken}},
                       Json{{"driver_id", kDriver}, {"item_ids", ids}}.dump(), "application/json")
                ->status,
            202);
  ASSERT_TRUE(exporter_.wait_entered());
  const ShutdownReport report = service_->shutdown();
  EXPECT_TRUE(report.drain.timed_out);
  EXPECT_EQ(report.drain.released_jobs, 5);
  EXPECT_EQ(exporter_.exported(), 0u);
  service_.reset();

  exporter_.set_open(true);
  start();
  ASSERT_TRUE(exporter_.wait_exported(5));
  service_->shutdown();
  auto stats = service_->queue().stats().value();
  EXPECT_EQ(stats.pending + stats.in_flight, 0);
  EXPECT_EQ(stats.done, 5);
}

// Jumps the clock to each deadline `jumps` times, then blocks until stopped.
class JumpingWaiter final : public cleanup::Waiter {
 public:
  JumpingWaiter(FakeClock& clock, int jumps) : clock_(clock), jumps_(jumps) {}
  bool wait_until(Clock::TimePoint deadline) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (!stopped_ && jumps_ > 0) {
      --jumps_;
      clock_.set(deadline);
      return true;
    }
    cv_.wait(lock, [&] { return stopped_; });
    return false;
  }
  void stop() override {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }

 private:
  FakeClock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  int jumps_;
  bool stopped_ = false;
};

TEST_F(ServiceTest, ScheduledCleanupRunsAtTheCronTimesUntilShutdown) {
  options_.cleanup.schedule = "0 3 * * 0";                                   // Sundays 03:00 UTC
  FakeClock clock(std::chrono::sys_days(std::chrono::year(2026) / 12 / 4));  // a Friday
  JumpingWaiter waiter(clock, 2);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Clock::TimePoint> runs;
  ServiceDeps deps;
  deps.clock = &clock;
  deps.cleanup_waiter = &waiter;
  deps.scheduled_cleanup = [&] {
    std::lock_guard<std::mutex> lock(mu);
    runs.push_back(clock.now());
    cv.notify_all();
  };
  // The service must be gone before the clock, waiter and counters it uses (also on ASSERT).
  struct StopFirst {
    std::unique_ptr<Service>& service;
    ~StopFirst() { service.reset(); }
  } stop_first{service_};
  start(deps);
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return runs.size() == 2; }));
  }
  service_->shutdown();
  using namespace std::chrono;
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0], sys_days(year(2026) / 12 / 6) + hours(3));
  EXPECT_EQ(runs[1], sys_days(year(2026) / 12 / 13) + hours(3));
}

TEST_F(ServiceTest, AnInvalidScheduleIsAConfigError) {
  options_.cleanup.schedule = "0 25 * * *";
  ServiceDeps deps;
  deps.exporter = &exporter_;
  deps.scheduled_cleanup = [] {};
  auto service = Service::start(options_, deps);
  ASSERT_FALSE(service.has_value());
  EXPECT_NE(service.error().message().find("cleanup.schedule"), std::string::npos);
}

TEST_F(ServiceTest, WatchEntriesWithoutPlatformAccessAreRefused) {
  options_.watch.push_back({"6600000000000000000000aa", kDriver, "", 1000});
  ServiceDeps deps;
  deps.exporter = &exporter_;
  auto service = Service::start(options_, deps);
  ASSERT_FALSE(service.has_value());
  EXPECT_EQ(service.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dlexport::app
