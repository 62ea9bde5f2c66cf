#pragma once
// WorkerPool: N threads that claim batches from the JobQueue, hand them to a BatchExporter and
// settle every job by its outcome (see batch_exporter.h for the rules). Only this layer retries.
//
// - Each worker loops: claim one batch (one target) → export → ack / fail(retry at now + full
//   jitter backoff, or Retry-After) / fail(dead letter) / release. An idle worker waits for wake()
//   (an intake enqueued something) or idle_poll, whichever comes first; retries that become due
//   are found by that poll.
// - A heartbeat thread extends the lease of every batch in flight every `heartbeat` (default a
//   third of the lease), so a slow batch is not handed to a second worker while the first one is
//   still writing it.
// - stop(drain): stop claiming; wait up to `drain` for the batches in flight; then release the
//   jobs still unfinished (claimable at once by the next process, no attempt counted) and ask the
//   exporter to stop through its stop_token; join the threads. A kill -9 instead of stop() loses
//   nothing either: the leases expire.
// - Every outcome is counted: dlexport_exports_total{outcome=ok|retry|dead_letter|released},
//   dlexport_retries_total{cause}, dlexport_dead_letters_total{cause},
//   dlexport_uploaded_bytes_total, dlexport_worker_batch_duration_seconds,
//   dlexport_queue_errors_total{op}.
//
// Thread-safety: start/stop from one controlling thread; wake() from anywhere. The queue, exporter,
// registry and clock must outlive the pool.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "metrics/registry.h"
#include "queue/job_queue.h"
#include "worker/batch_exporter.h"
#include "worker/retry_policy.h"

namespace dlexport::worker {

struct WorkerPoolOptions {
  int workers = 4;
  int batch_size = 100;
  std::chrono::milliseconds lease{std::chrono::seconds(60)};
  std::chrono::milliseconds heartbeat{0};  // 0: lease / 3
  std::chrono::milliseconds idle_poll{std::chrono::milliseconds(500)};
  // Backoff between attempts of a job (max_attempts lives in the queue).
  std::chrono::milliseconds base_delay{std::chrono::milliseconds(200)};
  std::chrono::milliseconds max_delay{std::chrono::seconds(30)};
  // Prefix of the worker ids that own leases; must be unique per process ("" = host-pid-random).
  std::string instance_id{};
};

// What one batch came to; passed to the on_batch observer (logs, tests).
struct BatchReport {
  std::string worker_id;
  queue::Target target;
  int jobs = 0;
  int acked = 0;
  int retried = 0;
  int dead = 0;
  int released = 0;
};

struct DrainReport {
  bool timed_out = false;
  int released_jobs = 0;  // jobs given back because the drain deadline passed
};

class WorkerPool {
 public:
  WorkerPool(WorkerPoolOptions options, queue::JobQueue& queue, BatchExporter& exporter,
             metrics::Registry& metrics, Clock& clock = system_clock(),
             UnitRandom random = default_unit_random());
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Called after each batch is settled, on the worker's thread. Set before start().
  void set_on_batch(std::function<void(const BatchReport&)> observer);

  void start();
  // Something was enqueued: idle workers claim now instead of at their next poll.
  void wake();
  DrainReport stop(std::chrono::milliseconds drain);

  // Extends the leases of the batches in flight now (what the heartbeat does periodically).
  void extend_leases_now();
  const std::string& instance_id() const { return instance_id_; }
  int in_flight_batches() const;
  // True once stop() has begun (no more claims).
  bool draining() const;

 private:
  struct Metrics;
  void run_worker(int index, std::stop_token stop);
  void run_heartbeat(std::stop_token stop);
  void settle(const std::string& worker_id, const queue::Batch& batch,
              std::vector<ItemOutcome> outcomes);

  WorkerPoolOptions options_;
  queue::JobQueue& queue_;
  BatchExporter& exporter_;
  Clock& clock_;
  RetryPolicy backoff_;
  std::string instance_id_;
  std::unique_ptr<Metrics> metrics_;
  std::function<void(const BatchReport&)> on_batch_;

  mutable std::mutex mu_;
  std::condition_variable_any cv_;  // wake-ups, stop, batch completion
  std::uint64_t wake_seq_ = 0;      // guarded by mu_
  bool stopping_ = false;           // guarded by mu_: no more claims
  bool stopped_ = true;             // guarded by mu_
  // worker id -> job ids of its batch in flight; guarded by mu_
  std::map<std::string, std::vector<queue::JobId>> in_flight_;
  std::stop_source exporter_stop_;  // asked at the drain deadline
  std::vector<std::jthread> threads_;
};

}  // namespace dlexport::worker
