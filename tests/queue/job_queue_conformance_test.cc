// The JobQueue contract (src/queue/job_queue.h), run over every implementation.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>

#include "common/clock.h"
#include "queue/job_queue.h"
#include "queue/sqlite/sqlite_job_queue.h"
#include "tests/support/paths.h"

namespace dlexport::queue {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr milliseconds kLease{seconds(30)};

struct QueueSettings {
  int max_attempts = 10;
};

// One implementation under test: how to open (and reopen) a queue on a store in `dir`.
struct Implementation {
  std::string name;
  bool persistent;  // survives close + reopen
  bool shareable;   // two handles on one store see each other (several processes)
  std::function<Result<JobQueuePtr>(const std::filesystem::path& dir, Clock& clock,
                                    const QueueSettings& settings)>
      open;
};

std::vector<Implementation> implementations() {
  return {
      {"sqlite_file", true, true,
       [](const std::filesystem::path& dir, Clock& clock, const QueueSettings& settings) {
         SqliteJobQueueOptions options;
         options.path = (dir / kQueueFileName).string();
         options.max_attempts = settings.max_attempts;
         return open_sqlite_job_queue(options, clock);
       }},
      {"sqlite_memory", false, false,
       [](const std::filesystem::path&, Clock& clock, const QueueSettings& settings) {
         SqliteJobQueueOptions options;
         options.path = ":memory:";
         options.max_attempts = settings.max_attempts;
         return open_sqlite_job_queue(options, clock);
       }},
  };
}

std::string item(int n) {
  std::string hex = std::to_string(n);
  return std::string(24 - hex.size(), '0') + hex;
}

std::vector<std::string> items(int from, int count) {
  std::vector<std::string> out;
  for (int i = from; i < from + count; ++i) out.push_back(item(i));
  return out;
}

const Target kT1 = Target::driver("6600000000000000000000d1");
const Target kT2 = Target::driver("6600000000000000000000d2");

std::vector<JobId> ids_of(const Batch& batch) {
  std::vector<JobId> out;
  for (const Job& job : batch.jobs) out.push_back(job.id);
  return out;
}

std::vector<std::string> items_of(const Batch& batch) {
  std::vector<std::string> out;
  for (const Job& job : batch.jobs) out.push_back(job.item_id);
  return out;
}

class JobQueueConformance : public ::testing::TestWithParam<Implementation> {
 protected:
  void SetUp() override {
    dir_ = dlexport::testing::make_temp_dir("dlx-queue");
    queue_ = open();
  }
  void TearDown() override {
    queue_.reset();
    std::filesystem::remove_all(dir_);
  }

  JobQueuePtr open(QueueSettings settings = {}) {
    auto queue = GetParam().open(dir_, clock_, settings);
    EXPECT_TRUE(queue.has_value()) << queue.status().to_string();
    return queue ? std::move(queue).value() : nullptr;
  }
  void reopen(QueueSettings settings = {}) {
    queue_.reset();
    queue_ = open(settings);
  }

  std::vector<JobId> enqueue(const Target& target, const std::vector<std::string>& item_ids) {
    auto ids = queue_->enqueue(target, item_ids);
    EXPECT_TRUE(ids.has_value()) << ids.status().to_string();
    return ids.value_or(std::vector<JobId>{});
  }
  Batch claim(const std::string& worker, int max = 100, milliseconds lease = kLease) {
    auto batch = queue_->claim(worker, max, lease);
    EXPECT_TRUE(batch.has_value()) << batch.status().to_string();
    return batch.value_or(Batch{});
  }
  int ack(const std::string& worker, const std::vector<JobId>& ids) {
    auto acked = queue_->ack(worker, ids);
    EXPECT_TRUE(acked.has_value()) << acked.status().to_string();
    return acked.value_or(-1);
  }
  QueueStats stats() {
    auto s = queue_->stats();
    EXPECT_TRUE(s.has_value()) << s.status().to_string();
    return s.value_or(QueueStats{});
  }
  JobState state_of(JobId id) {
    auto status = queue_->job_status(id);
    EXPECT_TRUE(status.has_value()) << status.status().to_string();
    return status ? status->state : JobState::kPending;
  }

  FakeClock clock_;
  std::filesystem::path dir_;
  JobQueuePtr queue_;
};

TEST_P(JobQueueConformance, EnqueueReturnsOneIdPerItemAndCoalescesPending) {
  const auto ids = enqueue(kT1, {item(1), item(2), item(1)});
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_EQ(ids[0], ids[2]);

  const auto again = enqueue(kT1, {item(2), item(1)});
  EXPECT_EQ(again, (std::vector<JobId>{ids[1], ids[0]}));
  // The same item for another target is another job.
  const auto other = enqueue(kT2, {item(1)});
  EXPECT_NE(other[0], ids[0]);

  const QueueStats s = stats();
  EXPECT_EQ(s.pending, 3);
  EXPECT_EQ(s.per_target.at(kT1.key()).pending, 2);
  EXPECT_EQ(s.per_target.at(kT2.key()).pending, 1);
  EXPECT_TRUE(enqueue(kT1, {}).empty());
}

TEST_P(JobQueueConformance, EnqueueWhileLeasedRunsTheJobAgainAfterAck) {
  const JobId id = enqueue(kT1, {item(1)})[0];
  Batch first = claim("w1");
  ASSERT_EQ(ids_of(first), std::vector<JobId>{id});
  EXPECT_FALSE(first.jobs[0].again);

  // An edit arrives while the old state is being exported: same job, marked again.
  EXPECT_EQ(enqueue(kT1, {item(1)})[0], id);
  EXPECT_EQ(enqueue(kT1, {item(1)})[0], id);
  EXPECT_TRUE(claim("w2").empty()) << "the leased job must not be claimable twice";

  EXPECT_EQ(ack("w1", {id}), 1);
  EXPECT_EQ(state_of(id), JobState::kPending);
  Batch second = claim("w2");
  ASSERT_EQ(ids_of(second), std::vector<JobId>{id});
  EXPECT_EQ(second.jobs[0].attempts, 1) << "attempts restart for the new state";
  EXPECT_EQ(ack("w2", {id}), 1);
  EXPECT_EQ(state_of(id), JobState::kDone);
  EXPECT_TRUE(claim("w1").empty());
}

TEST_P(JobQueueConformance, ClaimTakesOneTargetOldestFirstUpToMaxBatch) {
  enqueue(kT1, {item(1), item(2)});
  clock_.advance(milliseconds(1));
  enqueue(kT2, {item(3)});
  clock_.advance(milliseconds(1));
  enqueue(kT1, {item(4), item(5)});

  Batch a = claim("w", 3);
  EXPECT_EQ(a.target, kT1);
  EXPECT_EQ(items_of(a), (std::vector<std::string>{item(1), item(2), item(4)}));
  for (const Job& job : a.jobs) {
    EXPECT_EQ(job.target, kT1);
    EXPECT_EQ(job.attempts, 1);
    EXPECT_EQ(job.lease_owner, "w");
    ASSERT_TRUE(job.lease_until.has_value());
    EXPECT_EQ(*job.lease_until, clock_.now() + kLease);
  }
  Batch b = claim("w", 3);
  EXPECT_EQ(b.target, kT2);
  EXPECT_EQ(items_of(b), std::vector<std::string>{item(3)});
  Batch c = claim("w", 3);
  EXPECT_EQ(items_of(c), std::vector<std::string>{item(5)});
  EXPECT_TRUE(claim("w", 3).empty());
  EXPECT_TRUE(claim("w", 0).empty());
  EXPECT_EQ(stats().in_flight, 5);
}

TEST_P(JobQueueConformance, ExpiredLeaseMakesTheJobClaimableAgain) {
  const JobId id = enqueue(kT1, {item(1)})[0];
  ASSERT_EQ(ids_of(claim("w1", 10, milliseconds(1000))), std::vector<JobId>{id});
  clock_.advance(milliseconds(999));
  EXPECT_TRUE(claim("w2").empty());
  EXPECT_EQ(stats().in_flight, 1);

  clock_.advance(milliseconds(1));  // the worker "crashed": its lease runs out
  EXPECT_EQ(stats().in_flight, 0);
  EXPECT_EQ(stats().pending, 1);
  Batch retaken = claim("w2");
  ASSERT_EQ(ids_of(retaken), std::vector<JobId>{id});
  EXPECT_EQ(retaken.jobs[0].attempts, 2) << "the crashed attempt counts";

  // The first worker wakes up late: its ack and lease calls no longer apply.
  EXPECT_EQ(ack("w1", {id}), 0);
  EXPECT_EQ(queue_->extend_lease("w1", std::vector<JobId>{id}, kLease).value_or(-1), 0);
  EXPECT_EQ(queue_->release("w1", std::vector<JobId>{id}).value_or(-1), 0);
  auto stale_fail = queue_->fail("w1", id, unavailable("late"), clock_.now());
  EXPECT_EQ(stale_fail.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(state_of(id), JobState::kInFlight);

  EXPECT_EQ(ack("w2", {id}), 1);
  EXPECT_EQ(state_of(id), JobState::kDone);
}

TEST_P(JobQueueConformance, ExtendLeaseKeepsALongBatch) {
  const JobId id = enqueue(kT1, {item(1)})[0];
  claim("w1", 10, milliseconds(1000));
  clock_.advance(milliseconds(800));
  EXPECT_EQ(queue_->extend_lease("w1", std::vector<JobId>{id}, milliseconds(1000)).value_or(-1), 1);
  clock_.advance(milliseconds(800));
  EXPECT_TRUE(claim("w2").empty()) << "the extended lease still holds";
  clock_.advance(milliseconds(201));
  EXPECT_EQ(ids_of(claim("w2")), std::vector<JobId>{id});
}

TEST_P(JobQueueConformance, RetryWaitsForNotBeforeAndKeepsTheError) {
  const JobId id = enqueue(kT1, {item(1)})[0];
  claim("w");
  auto state =
      queue_->fail("w", id, unavailable("platform answered 503"), clock_.now() + seconds(5));
  ASSERT_TRUE(state.has_value()) << state.status().to_string();
  EXPECT_EQ(*state, JobState::kPending);

  auto status = queue_->job_status(id);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->state, JobState::kPending);
  EXPECT_NE(status->last_error.find("platform answered 503"), std::string::npos);

  clock_.advance(milliseconds(4999));
  EXPECT_TRUE(claim("w").empty());
  clock_.advance(milliseconds(1));
  Batch retry = claim("w");
  ASSERT_EQ(ids_of(retry), std::vector<JobId>{id});
  EXPECT_EQ(retry.jobs[0].attempts, 2);
  EXPECT_NE(retry.jobs[0].last_error.find("503"), std::string::npos);
}

TEST_P(JobQueueConformance, DeadLetterAfterMaxAttemptsWithLastError) {
  reopen(QueueSettings{3});
  const JobId id = enqueue(kT1, {item(7)})[0];
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Batch batch = claim("w");
    ASSERT_EQ(ids_of(batch), std::vector<JobId>{id}) << "attempt " << attempt;
    EXPECT_EQ(batch.jobs[0].attempts, attempt);
    auto state =
        queue_->fail("w", id, unavailable(fmt::format("failure {}", attempt)), clock_.now());
    ASSERT_TRUE(state.has_value());
    EXPECT_EQ(*state, attempt < 3 ? JobState::kPending : JobState::kDead);
  }
  EXPECT_TRUE(claim("w").empty());
  auto dead = queue_->dead_letters(100);
  ASSERT_TRUE(dead.has_value());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].id, id);
  EXPECT_EQ((*dead)[0].target, kT1);
  EXPECT_EQ((*dead)[0].item_id, item(7));
  EXPECT_EQ((*dead)[0].attempts, 3);
  EXPECT_NE((*dead)[0].last_error.find("failure 3"), std::string::npos);
  EXPECT_EQ(state_of(id), JobState::kDead);
  const QueueStats s = stats();
  EXPECT_EQ(s.dead, 1);
  EXPECT_EQ(s.pending, 0);
  EXPECT_EQ(s.per_target.at(kT1.key()).dead, 1);
}

TEST_P(JobQueueConformance, NonRetryableFailureDeadLettersAtOnce) {
  const JobId id = enqueue(kT1, {item(1)})[0];
  claim("w");
  auto state =
      queue_->fail("w", id, failed_precondition("driver allows external delete"), std::nullopt);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(*state, JobState::kDead);
  auto dead = queue_->dead_letters(10);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].attempts, 1);
  EXPECT_NE((*dead)[0].last_error.find("FAILED_PRECONDITION"), std::string::npos);
}

TEST_P(JobQueueConformance, RedriveMovesDeadLettersBackWithAttemptsReset) {
  const auto ids = enqueue(kT1, {item(1), item(2), item(3)});
  claim("w");
  for (JobId id : ids) ASSERT_TRUE(queue_->fail("w", id, internal_error("boom"), std::nullopt));
  ASSERT_EQ(stats().dead, 3);

  auto redriven = queue_->redrive(std::vector<JobId>{ids[1], 999999});
  ASSERT_TRUE(redriven.has_value());
  EXPECT_EQ(*redriven, std::vector<JobId>{ids[1]}) << "unknown ids are skipped";
  EXPECT_EQ(state_of(ids[1]), JobState::kPending);
  Batch batch = claim("w");
  ASSERT_EQ(ids_of(batch), std::vector<JobId>{ids[1]});
  EXPECT_EQ(batch.jobs[0].attempts, 1);
  EXPECT_EQ(ack("w", {ids[1]}), 1);
  EXPECT_EQ(state_of(ids[1]), JobState::kDone);

  auto all = queue_->redrive_all();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(std::set<JobId>(all->begin(), all->end()), (std::set<JobId>{ids[0], ids[2]}));
  EXPECT_EQ(stats().dead, 0);
  EXPECT_EQ(stats().pending, 2);
  EXPECT_TRUE(queue_->redrive_all()->empty());
}

TEST_P(JobQueueConformance, DeadItemEnqueuedAgainGetsANewJobAndSuccessClearsTheDeadLetter) {
  const JobId dead_id = enqueue(kT1, {item(1)})[0];
  claim("w");
  ASSERT_TRUE(queue_->fail("w", dead_id, internal_error("boom"), std::nullopt));

  const JobId fresh = enqueue(kT1, {item(1)})[0];
  EXPECT_NE(fresh, dead_id);
  // Redriving while the live job exists folds the dead letter into it.
  auto folded = queue_->redrive(std::vector<JobId>{dead_id});
  EXPECT_EQ(*folded, std::vector<JobId>{dead_id});
  EXPECT_EQ(stats().pending, 1);
  EXPECT_EQ(stats().dead, 0);

  // And without a redrive, a success removes the stale dead letter.
  const JobId other = enqueue(kT1, {item(2)})[0];
  Batch batch = claim("w");
  ASSERT_EQ(batch.jobs.size(), 2u);
  ASSERT_TRUE(queue_->fail("w", other, internal_error("boom"), std::nullopt));
  const JobId retry = enqueue(kT1, {item(2)})[0];
  EXPECT_EQ(ack("w", {fresh}), 1);
  EXPECT_EQ(stats().dead, 1);
  claim("w");
  EXPECT_EQ(ack("w", {retry}), 1);
  EXPECT_EQ(stats().dead, 0);
}

TEST_P(JobQueueConformance, ReleaseMakesJobsClaimableNowWithoutCountingTheAttempt) {
  const auto ids = enqueue(kT1, {item(1), item(2)});
  Batch batch = claim("w1");
  ASSERT_EQ(batch.jobs.size(), 2u);
  EXPECT_EQ(enqueue(kT1, {item(1)})[0], ids[0]);  // marked again; release supersedes it
  auto released = queue_->release("w1", ids);
  ASSERT_TRUE(released.has_value());
  EXPECT_EQ(*released, 2);
  EXPECT_EQ(stats().in_flight, 0);
  EXPECT_EQ(stats().pending, 2);
  Batch again = claim("w2");
  ASSERT_EQ(ids_of(again), ids);
  for (const Job& job : again.jobs) EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(ack("w2", ids), 2);
  EXPECT_EQ(stats().pending, 0) << "release cleared the again mark: the next attempt is the latest";
}

TEST_P(JobQueueConformance, LeaseExpiringAtTheAttemptLimitDeadLettersThePoisonJob) {
  reopen(QueueSettings{2});
  const JobId id = enqueue(kT1, {item(1)})[0];
  claim("w1", 10, milliseconds(100));
  clock_.advance(milliseconds(100));
  claim("w2", 10, milliseconds(100));
  clock_.advance(milliseconds(100));
  EXPECT_TRUE(claim("w3").empty());
  EXPECT_EQ(state_of(id), JobState::kDead);
  auto dead = queue_->dead_letters(10);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_NE((*dead)[0].last_error.find("lease expired"), std::string::npos);
}

TEST_P(JobQueueConformance, StatsCountDepthInFlightDeadAndOldestAge) {
  enqueue(kT1, {item(1), item(2), item(3)});
  clock_.advance(seconds(10));
  enqueue(kT2, {item(4)});
  Batch batch = claim("w", 1);
  ASSERT_EQ(batch.jobs.size(), 1u);
  ASSERT_TRUE(queue_->fail("w", batch.jobs[0].id, internal_error("x"), std::nullopt));
  claim("w", 1);
  clock_.advance(seconds(5));

  const QueueStats s = stats();
  EXPECT_EQ(s.pending, 2);
  EXPECT_EQ(s.in_flight, 1);
  EXPECT_EQ(s.dead, 1);
  EXPECT_EQ(s.done, 0);
  EXPECT_EQ(s.oldest_age, seconds(15));
  EXPECT_EQ(s.per_target.at(kT1.key()).pending, 1);
  EXPECT_EQ(s.per_target.at(kT1.key()).in_flight, 1);
  EXPECT_EQ(s.per_target.at(kT1.key()).dead, 1);
  EXPECT_EQ(s.per_target.at(kT2.key()).pending, 1);
}

TEST_P(JobQueueConformance, JobStatusFollowsTheJobThroughItsLife) {
  const JobId id = enqueue(kT1, {item(1)})[0];
  EXPECT_EQ(state_of(id), JobState::kPending);
  claim("w");
  EXPECT_EQ(state_of(id), JobState::kInFlight);
  ack("w", {id});
  auto status = queue_->job_status(id);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->state, JobState::kDone);
  EXPECT_EQ(status->item_id, item(1));
  EXPECT_EQ(status->target, kT1);
  EXPECT_EQ(status->attempts, 1);
  EXPECT_TRUE(status->finished_at.has_value());
  EXPECT_EQ(queue_->job_status(id + 1000).status().code(), StatusCode::kNotFound);
}

TEST_P(JobQueueConformance, CursorsPersist) {
  auto missing = queue_->get_cursor("watch:a");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(queue_->set_cursor("watch:a", "v1").is_ok());
  ASSERT_TRUE(queue_->set_cursor("watch:a", "v2").is_ok());
  ASSERT_TRUE(queue_->set_cursor("watch:b", "x").is_ok());
  EXPECT_EQ(queue_->get_cursor("watch:a")->value_or(""), "v2");
  if (GetParam().persistent) {
    reopen();
    EXPECT_EQ(queue_->get_cursor("watch:a")->value_or(""), "v2");
    EXPECT_EQ(queue_->get_cursor("watch:b")->value_or(""), "x");
  }
}

TEST_P(JobQueueConformance, NothingIsLostAcrossCloseAndReopen) {
  if (!GetParam().persistent) GTEST_SKIP() << "in-memory store";
  const auto ids = enqueue(kT1, items(1, 5));
  Batch batch = claim("w-dead-process", 2, seconds(10));  // this "process" then dies
  ASSERT_EQ(batch.jobs.size(), 2u);
  Batch other = claim("w", 1);
  ASSERT_TRUE(queue_->fail("w", other.jobs[0].id, internal_error("kept"), std::nullopt));

  reopen();
  QueueStats s = stats();
  EXPECT_EQ(s.pending, 2);
  EXPECT_EQ(s.in_flight, 2);
  EXPECT_EQ(s.dead, 1);
  EXPECT_EQ(queue_->dead_letters(10)->at(0).last_error, "INTERNAL: kept");

  clock_.advance(seconds(10));  // the dead process's leases expire
  std::set<JobId> seen;
  for (Batch b = claim("w2"); !b.empty(); b = claim("w2")) {
    for (JobId id : ids_of(b)) seen.insert(id);
    EXPECT_EQ(ack("w2", ids_of(b)), static_cast<int>(b.jobs.size()));
  }
  EXPECT_EQ(seen.size(), 4u);
  reopen();
  EXPECT_EQ(stats().pending + stats().in_flight, 0);
  EXPECT_EQ(stats().done, 4);
  // Ids keep growing after a reopen, so a done record is never confused with a new job.
  const JobId fresh = enqueue(kT1, {item(100)})[0];
  EXPECT_GT(fresh, *std::max_element(ids.begin(), ids.end()));
}

// Many workers claim and ack while producers enqueue; every job is claimed exactly once (the
// lease never expires here) and the queue ends empty.
TEST_P(JobQueueConformance, ClaimRacesUnderThreadsNeverHandOutAJobTwice) {
  constexpr int kProducers = 2;
  constexpr int kPerProducer = 600;
  constexpr int kWorkers = 6;
  constexpr int kTotal = kProducers * kPerProducer;
  std::atomic<int> claimed{0};
  std::mutex mu;
  std::unordered_set<JobId> seen;
  std::vector<JobId> duplicates;
  std::atomic<bool> failed{false};

  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      const Target& target = p % 2 == 0 ? kT1 : kT2;
      for (int i = 0; i < kPerProducer; i += 20) {
        if (!queue_->enqueue(target, items(p * kPerProducer + i, 20))) failed = true;
      }
    });
  }
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      const std::string worker = "w" + std::to_string(w);
      while (claimed.load() < kTotal && !failed.load()) {
        auto batch = queue_->claim(worker, 7, kLease);
        if (!batch) {
          failed = true;
          break;
        }
        if (batch->empty()) {
          std::this_thread::yield();
          continue;
        }
        {
          std::lock_guard<std::mutex> lock(mu);
          for (const Job& job : batch->jobs) {
            if (!seen.insert(job.id).second) duplicates.push_back(job.id);
            if (job.target != batch->target) failed = true;
          }
        }
        claimed += static_cast<int>(batch->jobs.size());
        auto acked = queue_->ack(worker, ids_of(*batch));
        if (!acked || *acked != static_cast<int>(batch->jobs.size())) failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(failed.load());
  EXPECT_TRUE(duplicates.empty()) << duplicates.size() << " jobs claimed twice";
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kTotal));
  const QueueStats s = stats();
  EXPECT_EQ(s.pending, 0);
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_EQ(s.done, kTotal);
}

// Two handles on one store stand in for two processes sharing the queue file.
TEST_P(JobQueueConformance, TwoHandlesOnOneStoreShareTheQueue) {
  if (!GetParam().shareable) GTEST_SKIP() << "private store";
  JobQueuePtr second = open();
  ASSERT_NE(second, nullptr);
  constexpr int kTotal = 400;
  enqueue(kT1, items(0, kTotal));
  std::mutex mu;
  std::multiset<JobId> seen;
  std::atomic<bool> failed{false};
  auto drain = [&](JobQueue& queue, const std::string& worker) {
    for (;;) {
      auto batch = queue.claim(worker, 5, kLease);
      if (!batch) {
        failed = true;
        return;
      }
      if (batch->empty()) return;
      {
        std::lock_guard<std::mutex> lock(mu);
        for (const Job& job : batch->jobs) seen.insert(job.id);
      }
      if (!queue.ack(worker, ids_of(*batch))) failed = true;
    }
  };
  std::thread a([&] { drain(*queue_, "process-a"); });
  std::thread b([&] { drain(*second, "process-b"); });
  a.join();
  b.join();
  EXPECT_FALSE(failed.load());
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kTotal));
  EXPECT_EQ(std::set<JobId>(seen.begin(), seen.end()).size(), seen.size()) << "double claim";
  EXPECT_EQ(stats().done, kTotal);
}

INSTANTIATE_TEST_SUITE_P(AllQueues, JobQueueConformance, ::testing::ValuesIn(implementations()),
                         [](const ::testing::TestParamInfo<Implementation>& param) {
                           return param.param.name;
                         });

}  // namespace
}  // namespace dlexport::queue
