#include "worker/worker_pool.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <unordered_map>

namespace dlexport::worker {
namespace {

std::string default_instance_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device random;
  return fmt::format("{}-{}-{:06x}", host[0] != '\0' ? host : "host", ::getpid(),
                     random() & 0xffffffu);
}

// "UNAVAILABLE" -> "unavailable": metric label values are lower snake case.
std::string cause_label(StatusCode code) {
  std::string out(status_code_name(code));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

struct WorkerPool::Metrics {
  explicit Metrics(metrics::Registry& registry)
      : exports(registry.counter("dlexport_exports_total",
                                 "Export attempts by outcome (ok, retry, dead_letter, released).",
                                 {"outcome"})),
        retries(registry.counter("dlexport_retries_total",
                                 "Jobs scheduled for another attempt, by status code.", {"cause"})),
        dead_letters(registry.counter("dlexport_dead_letters_total",
                                      "Jobs moved to the dead-letter table, by status code.",
                                      {"cause"})),
        queue_errors(registry.counter("dlexport_queue_errors_total",
                                      "Queue operations that failed, by operation.", {"op"})),
        ok(exports.with({"ok"})),
        retry(exports.with({"retry"})),
        dead(exports.with({"dead_letter"})),
        released(exports.with({"released"})),
        bytes(registry.counter("dlexport_uploaded_bytes_total", "Bytes of export files written.")
                  .with({})),
        batch_seconds(registry
                          .histogram("dlexport_worker_batch_duration_seconds",
                                     "Time to export one claimed batch.", {},
                                     metrics::latency_buckets())
                          .with({})) {}

  metrics::CounterFamily& exports;
  metrics::CounterFamily& retries;
  metrics::CounterFamily& dead_letters;
  metrics::CounterFamily& queue_errors;
  metrics::Counter& ok;
  metrics::Counter& retry;
  metrics::Counter& dead;
  metrics::Counter& released;
  metrics::Counter& bytes;
  metrics::Histogram& batch_seconds;
};

WorkerPool::WorkerPool(WorkerPoolOptions options, queue::JobQueue& queue, BatchExporter& exporter,
                       metrics::Registry& metrics, Clock& clock, UnitRandom random)
    : options_(std::move(options)),
      queue_(queue),
      exporter_(exporter),
      clock_(clock),
      backoff_(RetryOptions{.max_attempts = 1,
                            .base_delay = options_.base_delay,
                            .max_delay = options_.max_delay,
                            .max_total_time = options_.max_delay},
               clock, real_sleeper(), std::move(random)),
      instance_id_(options_.instance_id.empty() ? default_instance_id() : options_.instance_id),
      metrics_(std::make_unique<Metrics>(metrics)) {
  options_.workers = std::max(1, options_.workers);
  options_.batch_size = std::max(1, options_.batch_size);
  if (options_.heartbeat <= std::chrono::milliseconds(0)) {
    options_.heartbeat = std::max(std::chrono::milliseconds(1), options_.lease / 3);
  }
}

WorkerPool::~WorkerPool() { stop(std::chrono::milliseconds(0)); }

void WorkerPool::set_on_batch(std::function<void(const BatchReport&)> observer) {
  on_batch_ = std::move(observer);
}

void WorkerPool::start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopped_) return;
    stopped_ = false;
    stopping_ = false;
  }
  for (int i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this, i](std::stop_token stop) { run_worker(i, stop); });
  }
  threads_.emplace_back([this](std::stop_token stop) { run_heartbeat(stop); });
}

void WorkerPool::wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wake_seq_;
  }
  cv_.notify_all();
}

int WorkerPool::in_flight_batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(in_flight_.size());
}

bool WorkerPool::draining() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

DrainReport WorkerPool::stop(std::chrono::milliseconds drain) {
  DrainReport report;
  std::map<std::string, std::vector<queue::JobId>> unfinished;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (stopped_) return report;
    stopping_ = true;
    cv_.notify_all();
    const auto deadline = std::chrono::steady_clock::now() + drain;
    cv_.wait_until(lock, deadline, [&] { return in_flight_.empty(); });
    unfinished = in_flight_;
  }
  if (!unfinished.empty()) {
    report.timed_out = true;
    for (const auto& [worker_id, ids] : unfinished) {
      auto released = queue_.release(worker_id, ids);
      if (released) {
        report.released_jobs += *released;
        metrics_->released.inc(*released);
      } else {
        metrics_->queue_errors.with({"release"}).inc();
        spdlog::error("worker pool: releasing {} jobs of {} failed: {}", ids.size(), worker_id,
                      released.status().to_string());
      }
    }
    spdlog::warn("worker pool: drain deadline passed; released {} jobs for the next start",
                 report.released_jobs);
    exporter_stop_.request_stop();
  }
  threads_.clear();  // jthread: request stop and join
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  return report;
}

void WorkerPool::extend_leases_now() {
  std::map<std::string, std::vector<queue::JobId>> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held = in_flight_;
  }
  for (const auto& [worker_id, ids] : held) {
    auto extended = queue_.extend_lease(worker_id, ids, options_.lease);
    if (!extended) {
      metrics_->queue_errors.with({"extend_lease"}).inc();
      spdlog::warn("worker pool: extending the lease of {} failed: {}", worker_id,
                   extended.status().to_string());
    }
  }
}

void WorkerPool::run_heartbeat(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, stop, options_.heartbeat, [] { return false; });
    }
    if (stop.stop_requested()) return;
    extend_leases_now();
  }
}

void WorkerPool::run_worker(int index, std::stop_token stop) {
  const std::string worker_id = fmt::format("{}-w{}", instance_id_, index);
  for (;;) {
    std::uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ || stop.stop_requested()) return;
      seen = wake_seq_;
    }
    auto batch = queue_.claim(worker_id, options_.batch_size, options_.lease);
    if (!batch || batch->empty()) {
      if (!batch) {
        metrics_->queue_errors.with({"claim"}).inc();
        spdlog::warn("worker {}: claim failed: {}", worker_id, batch.status().to_string());
      }
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, stop, options_.idle_poll,
                   [&] { return stopping_ || (batch.has_value() && wake_seq_ != seen); });
      continue;
    }
    std::vector<queue::JobId> ids;
    for (const queue::Job& job : batch->jobs) ids.push_back(job.id);
    {
      std::lock_guard<std::mutex> lock(mu_);
      in_flight_[worker_id] = ids;
    }
    const auto started = std::chrono::steady_clock::now();
    std::vector<ItemOutcome> outcomes;
    try {
      outcomes = exporter_.export_batch(batch->target, batch->jobs, exporter_stop_.get_token());
    } catch (const std::exception& e) {
      // A bug in the exporter: every job is retried (and dead-lettered at the limit), none lost.
      spdlog::error("worker {}: exporter threw: {}", worker_id, e.what());
      outcomes.clear();
    }
    metrics_->batch_seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    settle(worker_id, *batch, std::move(outcomes));
    {
      std::lock_guard<std::mutex> lock(mu_);
      in_flight_.erase(worker_id);
    }
    cv_.notify_all();
  }
}

void WorkerPool::settle(const std::string& worker_id, const queue::Batch& batch,
                        std::vector<ItemOutcome> outcomes) {
  std::unordered_map<std::string, ItemOutcome*> by_item;
  for (ItemOutcome& outcome : outcomes) by_item.emplace(outcome.item_id, &outcome);

  BatchReport report;
  report.worker_id = worker_id;
  report.target = batch.target;
  report.jobs = static_cast<int>(batch.jobs.size());
  std::vector<queue::JobId> acks, releases;
  for (const queue::Job& job : batch.jobs) {
    auto found = by_item.find(job.item_id);
    Status status =
        found != by_item.end()
            ? found->second->status
            : unavailable(fmt::format("the exporter reported no outcome for item {}", job.item_id));
    if (status.is_ok()) {
      acks.push_back(job.id);
      metrics_->ok.inc();
      metrics_->bytes.inc(static_cast<double>(found->second->bytes));
      continue;
    }
    if (status.code() == StatusCode::kCancelled) {
      releases.push_back(job.id);
      continue;
    }
    std::optional<queue::TimePoint> retry_at;
    if (status.retryable()) retry_at = clock_.now() + backoff_.delay_for(job.attempts - 1, status);
    auto state = queue_.fail(worker_id, job.id, status, retry_at);
    if (!state) {
      if (state.status().code() != StatusCode::kNotFound) {
        metrics_->queue_errors.with({"fail"}).inc();
        spdlog::error("worker {}: recording the failure of job {} failed: {}", worker_id, job.id,
                      state.status().to_string());
      }
      continue;  // lease lost (drain deadline or expiry): the job's new holder settles it
    }
    const std::string cause = cause_label(status.code());
    if (*state == queue::JobState::kPending) {
      ++report.retried;
      metrics_->retry.inc();
      metrics_->retries.with({cause}).inc();
      spdlog::debug("job {} item {} target {}: attempt {} failed, retrying: {}", job.id,
                    job.item_id, batch.target.key(), job.attempts, status.to_string());
    } else {
      ++report.dead;
      metrics_->dead.inc();
      metrics_->dead_letters.with({cause}).inc();
      spdlog::warn("job {} item {} target {}: dead-lettered after {} attempt(s): {}", job.id,
                   job.item_id, batch.target.key(), job.attempts, status.to_string());
    }
  }
  if (!acks.empty()) {
    auto acked = queue_.ack(worker_id, acks);
    if (acked) {
      report.acked = *acked;
    } else {
      // The jobs stay leased and come back when the lease expires: exported twice, not lost.
      metrics_->queue_errors.with({"ack"}).inc();
      spdlog::error("worker {}: ack of {} jobs failed: {}", worker_id, acks.size(),
                    acked.status().to_string());
    }
  }
  if (!releases.empty()) {
    auto released = queue_.release(worker_id, releases);
    if (released) {
      report.released = *released;
      metrics_->released.inc(*released);
    } else {
      metrics_->queue_errors.with({"release"}).inc();
    }
  }
  if (on_batch_) on_batch_(report);
}

}  // namespace dlexport::worker
