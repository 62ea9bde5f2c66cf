#pragma once
// JobQueue: the durable queue of "export item X to target T" jobs that every intake (CLI, HTTP
// API, webhook receiver, dataset watcher) feeds and every worker drains.
//
// Contract (every implementation; tests/queue/ runs the same conformance suite over each):
// - Durability: a call that returned ok has committed. Once enqueue() returns, the job survives a
//   crash of the process at any moment (kill -9) and is found again by the next process that opens
//   the same store. The SQLite implementation commits in WAL mode with synchronous=NORMAL: a
//   process crash loses nothing; an operating-system crash or power loss may lose the last
//   commits (set `synchronous_full` to pay one fsync per commit instead).
// - At-least-once: a job leaves the queue only through ack() (its object is written) or into the
//   dead-letter table with the last error. A worker that dies holding a lease loses nothing: when
//   the lease expires the job is claimable again (its attempt still counts, so a job that crashes
//   its worker every time ends in the dead-letter table instead of looping forever).
// - Coalescing per (target, item): there is at most one live job per (target, item). Enqueueing an
//   item that is already pending returns the existing job id and changes nothing. Enqueueing an
//   item whose job is currently leased marks that job "again": when the current attempt is acked
//   the job returns to pending (same id, attempts reset) so the item's latest state is exported;
//   without that mark an edit made while the old state was being written would be lost. An item in
//   the dead-letter table is not live: enqueueing it creates a new job; its later success removes
//   the stale dead letter.
// - Leases: claim() hands out jobs of ONE target per batch (a batch shares one annotation query
//   and one sink), oldest first, only jobs whose not_before has passed, and leases them to the
//   worker until now + lease. ack/fail/release/extend_lease act only on jobs the calling worker
//   still holds; a call for a job whose lease expired and was re-claimed by another worker is
//   ignored (counted in the returned number), so a slow worker cannot ack someone else's attempt.
// - Attempts: claim() counts an attempt. fail() with a retry time makes the job pending again at
//   that time, unless attempts reached max_attempts; fail() without a retry time (a
//   non-retryable status) or at the limit moves it to the dead-letter table with the error text.
//   release() (graceful shutdown) makes the job claimable now and does not count the attempt.
// - Time comes from the injected Clock; nothing in an implementation sleeps except on a store
//   lock (busy timeout).
// - Thread-safety: every method may be called from any thread at any time. Several processes (or,
//   for the PostgreSQL implementation that can follow, several machines) may share one store: a
//   claim is one transaction that selects claimable rows and leases them, which maps to
//   `SELECT ... FOR UPDATE SKIP LOCKED` in PostgreSQL and to BEGIN IMMEDIATE in SQLite.
//
// Implementations: sqlite/ (embedded default, `<state_dir>/queue.db`). Ownership: the composition
// root owns the queue (JobQueuePtr); everyone else holds a reference that must not outlive it.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/status.h"

namespace dlexport::queue {

using JobId = std::int64_t;
using TimePoint = Clock::TimePoint;

// Where exports go. Only storage drivers for now; kinds fs|s3|azure follow with the direct mode.
struct Target {
  std::string kind = "driver";
  std::string id;

  static Target driver(std::string driver_id) { return Target{"driver", std::move(driver_id)}; }
  // "driver:6600000000000000000000d1": the stored form (same as the export ledger's target).
  std::string key() const { return kind + ":" + id; }
  static Result<Target> parse(std::string_view key);
  friend bool operator==(const Target&, const Target&) = default;
  friend auto operator<=>(const Target&, const Target&) = default;
};

enum class JobState { kPending, kInFlight, kDone, kDead };
std::string_view job_state_name(JobState state);  // pending|in_flight|done|dead

struct Job {
  JobId id = 0;
  Target target;
  std::string item_id;
  int attempts = 0;         // attempts started (claims), including the current one
  TimePoint enqueued_at{};  // when the oldest unfulfilled request for this item arrived
  TimePoint not_before{};   // pending: claimable from then on
  std::optional<TimePoint> lease_until;  // in flight: the lease ends then
  std::string lease_owner;               // in flight: the worker holding the lease
  std::string last_error;                // the error of the last failed attempt ("" if none)
  bool again = false;  // re-enqueued while in flight: runs again after this attempt
};

// What claim() hands a worker: jobs of one target, oldest first.
struct Batch {
  Target target;
  std::vector<Job> jobs;
  bool empty() const { return jobs.empty(); }
};

struct DeadLetter {
  JobId id = 0;
  Target target;
  std::string item_id;
  int attempts = 0;
  TimePoint enqueued_at{};
  TimePoint failed_at{};
  std::string last_error;
};

// The answer to "what happened to job N" (GET /v1/exports/{job_id}).
struct JobStatus {
  JobId id = 0;
  JobState state = JobState::kPending;
  Target target;
  std::string item_id;
  int attempts = 0;
  std::string last_error;
  TimePoint enqueued_at{};
  std::optional<TimePoint> finished_at;  // done or dead
};

struct TargetStats {
  std::int64_t pending = 0;
  std::int64_t in_flight = 0;
  std::int64_t dead = 0;
};

struct QueueStats {
  std::int64_t pending = 0;    // queue depth: waiting jobs, including retries not yet due
  std::int64_t in_flight = 0;  // leased and the lease has not expired
  std::int64_t dead = 0;       // dead-letter table size
  std::int64_t done = 0;       // done records still kept (done_retention)
  std::chrono::milliseconds oldest_age{0};        // age of the oldest pending or in-flight job
  std::map<std::string, TargetStats> per_target;  // by Target::key()
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Enqueues one job per distinct item (coalesced as above). Returns the job id for each entry
  // of item_ids, in order (duplicates in the input get the same id). All or nothing.
  virtual Result<std::vector<JobId>> enqueue(const Target& target,
                                             std::span<const std::string> item_ids) = 0;

  // Leases up to max_batch claimable jobs of one target to worker_id for `lease`. An empty batch
  // means nothing is claimable now.
  virtual Result<Batch> claim(std::string_view worker_id, int max_batch,
                              std::chrono::milliseconds lease) = 0;

  // Done: the job leaves the queue (or returns to pending when marked again). Returns how many
  // of the ids were still held by worker_id.
  virtual Result<int> ack(std::string_view worker_id, std::span<const JobId> ids) = 0;

  // Failed attempt. retry_at set: pending again from then on, unless attempts reached the
  // limit. Unset: dead-letter now. Returns the job's new state (kPending or kDead), or kNotFound
  // when worker_id no longer holds it.
  virtual Result<JobState> fail(std::string_view worker_id, JobId id, const Status& error,
                                std::optional<TimePoint> retry_at) = 0;

  // Gives leased jobs back without counting the attempt (shutdown). Returns how many were held.
  virtual Result<int> release(std::string_view worker_id, std::span<const JobId> ids) = 0;

  // Moves the lease end of held jobs to now + lease. Returns how many were still held.
  virtual Result<int> extend_lease(std::string_view worker_id, std::span<const JobId> ids,
                                   std::chrono::milliseconds lease) = 0;

  // Dead letters, oldest failure first, at most `limit`.
  virtual Result<std::vector<DeadLetter>> dead_letters(int limit) = 0;
  // Moves dead letters back to pending (attempts reset, same job id). Returns the ids redriven;
  // an id that is not a dead letter is skipped. A dead letter whose item already has a live job
  // is dropped into that job (coalescing) and its id is still reported.
  virtual Result<std::vector<JobId>> redrive(std::span<const JobId> ids) = 0;
  virtual Result<std::vector<JobId>> redrive_all() = 0;

  virtual Result<QueueStats> stats() = 0;
  // kNotFound when the id never existed or its done record has been pruned.
  virtual Result<JobStatus> job_status(JobId id) = 0;

  // Small named values persisted with the queue (dataset watcher cursors).
  virtual Result<std::optional<std::string>> get_cursor(const std::string& name) = 0;
  virtual Status set_cursor(const std::string& name, const std::string& value) = 0;
};

using JobQueuePtr = std::unique_ptr<JobQueue>;

}  // namespace dlexport::queue
