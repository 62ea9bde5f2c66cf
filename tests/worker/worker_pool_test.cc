#include "worker/worker_pool.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>

#include "queue/sqlite/sqlite_job_queue.h"

namespace dlexport::worker {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const queue::Target kTarget = queue::Target::driver("6600000000000000000000d1");
const queue::Target kOther = queue::Target::driver("6600000000000000000000d2");

std::vector<std::string> items(int from, int count) {
  std::vector<std::string> out;
  for (int i = from; i < from + count; ++i) out.push_back(fmt::format("{:024x}", i));
  return out;
}

// Answers each job through a script (default: ok, 10 bytes). With the gate closed, export_batch
// blocks until the gate opens or the pool asks it to stop, then reports kCancelled.
class FakeExporter final : public BatchExporter {
 public:
  using Script = std::function<ItemOutcome(const queue::Job&)>;

  std::vector<ItemOutcome> export_batch(const queue::Target& target,
                                        std::span<const queue::Job> jobs,
                                        std::stop_token stop) override {
    Script script;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++entered_;
      for (const auto& job : jobs) {
        if (job.target != target) mixed_targets_ = true;
        seen_.push_back(job.item_id);
      }
      cv_.notify_all();
      cv_.wait(lock, stop, [&] { return gate_open_; });
      script = script_;
    }
    std::vector<ItemOutcome> out;
    for (const auto& job : jobs) {
      if (stop.stop_requested()) {
        out.push_back({job.item_id, Status(StatusCode::kCancelled, "stopping"), 0});
      } else if (script) {
        out.push_back(script(job));
      } else {
        out.push_back({job.item_id, Status(), 10});
      }
    }
    return out;
  }

  void set_script(Script script) {
    std::lock_guard<std::mutex> lock(mu_);
    script_ = std::move(script);
  }
  void close_gate() {
    std::lock_guard<std::mutex> lock(mu_);
    gate_open_ = false;
  }
  void open_gate() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      gate_open_ = true;
    }
    cv_.notify_all();
  }
  // Blocks until `n` batches have entered export_batch.
  bool wait_entered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(30), [&] { return entered_ >= n; });
  }
  bool mixed_targets() const {
    std::lock_guard<std::mutex> lock(mu_);
    return mixed_targets_;
  }
  std::vector<std::string> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  Script script_;
  bool gate_open_ = true;
  int entered_ = 0;
  bool mixed_targets_ = false;
  std::vector<std::string> seen_;
};

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override { open_queue(10); }

  void open_queue(int max_attempts) {
    pool_.reset();
    queue_ = std::move(queue::open_sqlite_job_queue(
                           {.path = ":memory:", .max_attempts = max_attempts}, clock_))
                 .value();
  }

  void make_pool(WorkerPoolOptions options = {}) {
    options.instance_id = "test";
    if (options.idle_poll == WorkerPoolOptions{}.idle_poll) options.idle_poll = milliseconds(2);
    pool_ = std::make_unique<WorkerPool>(options, *queue_, exporter_, registry_, clock_,
                                         [this] { return unit_; });
    pool_->set_on_batch([this](const BatchReport& report) {
      std::lock_guard<std::mutex> lock(mu_);
      total_.jobs += report.jobs;
      total_.acked += report.acked;
      total_.retried += report.retried;
      total_.dead += report.dead;
      total_.released += report.released;
      ++batches_;
      cv_.notify_all();
    });
  }

  // Blocks until the settled totals satisfy `done` (30 s guard against a hang, not a sync).
  bool wait_for(const std::function<bool(const BatchReport&)>& done) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(30), [&] { return done(total_); });
  }

  double metric(const std::string& name, const std::string& label_value) {
    const std::string text = registry_.expose();
    const std::string key = label_value.empty() ? name + " " : name + "{" + label_value + "} ";
    const auto at = text.find("\n" + key);
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + 1 + key.size()));
  }

  queue::QueueStats stats() { return queue_->stats().value(); }

  FakeClock clock_;
  double unit_ = 0.5;
  metrics::Registry registry_;
  queue::JobQueuePtr queue_;
  FakeExporter exporter_;
  std::unique_ptr<WorkerPool> pool_;
  std::mutex mu_;
  std::condition_variable cv_;
  BatchReport total_;
  int batches_ = 0;
};

TEST_F(WorkerPoolTest, ExportsEverythingInSingleTargetBatchesAndCounts) {
  ASSERT_TRUE(queue_->enqueue(kTarget, items(0, 150)).has_value());
  ASSERT_TRUE(queue_->enqueue(kOther, items(1000, 100)).has_value());
  make_pool({.workers = 3, .batch_size = 40});
  pool_->start();
  ASSERT_TRUE(wait_for([](const BatchReport& t) { return t.acked == 250; }));
  const DrainReport drained = pool_->stop(seconds(5));
  EXPECT_FALSE(drained.timed_out);

  EXPECT_FALSE(exporter_.mixed_targets());
  const auto seen = exporter_.seen();
  EXPECT_EQ(seen.size(), 250u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 250u);
  const queue::QueueStats s = stats();
  EXPECT_EQ(s.pending + s.in_flight + s.dead, 0);
  EXPECT_EQ(s.done, 250);
  EXPECT_EQ(metric("dlexport_exports_total", "outcome=\"ok\""), 250);
  EXPECT_EQ(metric("dlexport_uploaded_bytes_total", ""), 2500);
  EXPECT_EQ(metric("dlexport_worker_batch_duration_seconds_count", ""), batches_);
}

TEST_F(WorkerPoolTest, WakeStartsWorkAtOnce) {
  make_pool({.workers = 2, .idle_poll = seconds(3600)});
  pool_->start();
  ASSERT_TRUE(queue_->enqueue(kTarget, items(0, 5)).has_value());
  pool_->wake();  // without this the workers would sleep for an hour
  ASSERT_TRUE(wait_for([](const BatchReport& t) { return t.acked == 5; }));
}

TEST_F(WorkerPoolTest, RetryableFailureIsRetriedAfterAJitteredBackoff) {
  const auto ids = queue_->enqueue(kTarget, items(0, 2)).value();
  std::atomic<int> calls{0};
  exporter_.set_script([&](const queue::Job& job) -> ItemOutcome {
    if (job.item_id == items(0, 1)[0] && calls++ == 0) {
      return {job.item_id, unavailable("platform answered 503"), 0};
    }
    return {job.item_id, Status(), 7};
  });
  unit_ = 0.5;  // delay = 0.5 * base_delay
  make_pool({.workers = 1, .base_delay = milliseconds(1000), .max_delay = seconds(30)});
  pool_->start();
  ASSERT_TRUE(wait_for([](const BatchReport& t) { return t.acked == 1 && t.retried == 1; }));

  auto status = queue_->job_status(ids[0]).value();
  EXPECT_EQ(status.state, queue::JobState::kPending);
  EXPECT_NE(status.last_error.find("503"), std::string::npos);
  EXPECT_EQ(metric("dlexport_retries_total", "cause=\"unavailable\""), 1);
  // Not due before now + 500 ms (the probe would have taken it if it were).
  clock_.advance(milliseconds(499));
  EXPECT_TRUE(queue_->claim("probe", 10, seconds(1)).value().empty());
  clock_.advance(milliseconds(1));
  ASSERT_TRUE(wait_for([](const BatchReport& t) { return t.acked == 2; }));
  EXPECT_EQ(queue_->job_status(ids[0]).value().attempts, 2);
  EXPECT_EQ(metric("dlexport_exports_total", "outcome=\"retry\""), 1);
  EXPECT_EQ(metric("dlexport_exports_total", "outcome=\"ok\""), 2);
}

TEST_F(WorkerPoolTest, RetryAfterHintReplacesTheJitter) {
  const auto ids = queue_->enqueue(kTarget, items(0, 1)).value();
  exporter_.set_script([](const queue::Job& job) -> ItemOutcome {
    return {job.item_id, Status(StatusCode::kResourceExhausted, "429").with_retry_after(seconds(4)),
            0};
  });
  make_pool({.workers = 1, .base_delay = milliseconds(10)});
  pool_->start();
  ASSERT_TRUE(wait_for([](const BatchReport& t) { return t.retried == 1; }));
  pool_->stop(seconds(5));
  clock_.advance(milliseconds(3999));
  EXPECT_TRUE(queue_->claim("probe", 10, seconds(1)).value().empty());
  clock_.advance(milliseconds(1));
  EXPECT_EQ(queue_->claim("probe", 10, seconds(1)).value().jobs.size(), 1u);
  EXPECT_EQ(metric("dlexport_retries_total", "cause=\"resource_exhausted\""), 1);
  (void)ids;
}

TEST_F(WorkerPoolTest, RetryableFailuresEndInTheDeadLetterTableAtTheLimit) {
  open_queue(3);
  const auto ids = queue_->enqueue(kTarget, items(0, 1)).value();
  exporter_.set_script([](const queue::Job& job) -> ItemOutcome {
    return {job.item_id, unavailable(fmt::format("attempt {} failed", job.attempts)), 0};
  });
  unit_ = 0;  // no backoff: every retry is due at once
  make_pool({.workers = 2});
  pool_->start();
  ASSERT_TRUE(wait_for([](const BatchReport& t) { return t.dead == 1; }));
  pool_->stop(seconds(5));
  const auto dead = queue_->dead_letters(10).value();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].id, ids[0]);
  EXPECT_EQ(dead[0].attempts, 3);
  EXPECT_NE(dead[0].last_error.find("attempt 3 failed"), std::string::npos);
  EXPECT_EQ(metric("dlexport_retries_total", "cause=\"unavailable\""), 2);
  EXPECT_EQ(metric("dlexport_dead_letters_total", "cause=\"unavailable\""), 1);
  EXPECT_EQ(metric("dlexport_exports_total", "outcome=\"dead_letter\""), 1);
}

TEST_F(WorkerPoolTest, NonRetryableStatusDeadLettersAtOnceAndMissingOutcomesRetry) {
  const auto ids = queue_->enqueue(kTarget, items(0, 3)).value();
  const auto names = items(0, 3);
  std::atomic<bool> first{true};
  exporter_.set_script([&](const queue::Job& job) -> ItemOutcome {
    if (job.item_id == names[0]) {
      return {job.item_id, failed_precondition("driver allows external delete"), 0};
    }
    if (job.item_id == names[1] && first.exchange(false)) {
      return {"not-this-item", Status(), 0};  // item 1 gets no outcome the first time
    }
    return {job.item_id, Status(), 1};
  });
  unit_ = 0;
  make_pool({.workers = 1});
  pool_->start();
  ASSERT_TRUE(wait_for([](const BatchReport& t) { return t.dead == 1 && t.acked == 2; }));
  pool_->stop(seconds(5));
  EXPECT_EQ(queue_->job_status(ids[0]).value().state, queue::JobState::kDead);
  EXPECT_EQ(queue_->job_status(ids[0]).value().attempts, 1);
  EXPECT_EQ(queue_->job_status(ids[1]).value().state, queue::JobState::kDone);
  EXPECT_EQ(queue_->job_status(ids[1]).value().attempts, 2);
  EXPECT_EQ(metric("dlexport_dead_letters_total", "cause=\"failed_precondition\""), 1);
}

TEST_F(WorkerPoolTest, DrainWaitsForBatchesInFlight) {
  ASSERT_TRUE(queue_->enqueue(kTarget, items(0, 4)).has_value());
  exporter_.close_gate();
  make_pool({.workers = 1, .batch_size = 10});
  pool_->start();
  ASSERT_TRUE(exporter_.wait_entered(1));
  std::thread opener([&] {
    // Opens once stop() is waiting: the pool has stopped claiming by then.
    while (!pool_->draining()) std::this_thread::yield();
    exporter_.open_gate();
  });
  const DrainReport drained = pool_->stop(seconds(30));
  opener.join();
  EXPECT_FALSE(drained.timed_out);
  EXPECT_EQ(drained.released_jobs, 0);
  EXPECT_EQ(stats().done, 4);
  EXPECT_TRUE(exporter_.wait_entered(1));
  EXPECT_EQ(exporter_.seen().size(), 4u) << "nothing claimed after the drain began";
}

TEST_F(WorkerPoolTest, DrainDeadlineReleasesUnfinishedJobsWithoutCountingTheAttempt) {
  const auto ids = queue_->enqueue(kTarget, items(0, 3)).value();
  exporter_.close_gate();
  make_pool({.workers = 1, .batch_size = 10});
  pool_->start();
  ASSERT_TRUE(exporter_.wait_entered(1));
  const DrainReport drained = pool_->stop(milliseconds(20));
  EXPECT_TRUE(drained.timed_out);
  EXPECT_EQ(drained.released_jobs, 3);
  const queue::QueueStats s = stats();
  EXPECT_EQ(s.pending, 3);
  EXPECT_EQ(s.in_flight, 0);
  // The next process claims them at once, as first attempts.
  const auto batch = queue_->claim("next-process", 10, seconds(60)).value();
  ASSERT_EQ(batch.jobs.size(), 3u);
  for (const auto& job : batch.jobs) EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(metric("dlexport_exports_total", "outcome=\"released\""), 3);
  (void)ids;
}

TEST_F(WorkerPoolTest, HeartbeatExtendsTheLeaseOfALongBatch) {
  ASSERT_TRUE(queue_->enqueue(kTarget, items(0, 1)).has_value());
  exporter_.close_gate();
  make_pool({.workers = 1, .lease = milliseconds(1000), .heartbeat = seconds(3600)});
  pool_->start();
  ASSERT_TRUE(exporter_.wait_entered(1));
  clock_.advance(milliseconds(900));
  pool_->extend_leases_now();
  clock_.advance(milliseconds(900));
  EXPECT_TRUE(queue_->claim("other", 10, seconds(1)).value().empty())
      << "the lease was extended to 1900 ms";
  clock_.advance(milliseconds(101));
  EXPECT_EQ(queue_->claim("other", 10, seconds(1)).value().jobs.size(), 1u)
      << "without heartbeats the lease runs out";
  exporter_.open_gate();
  ASSERT_TRUE(wait_for([](const BatchReport& t) { return t.jobs == 1; }));
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(total_.acked, 0) << "the first worker lost the lease; its ack must not count";
}

}  // namespace
}  // namespace dlexport::worker
