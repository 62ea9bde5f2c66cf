#pragma once
// BatchExporter: what a worker hands a claimed batch to. The export engine (fetch items, one
// batched annotation query, encode, put to the target's sink, immediate cleanup) implements it;
// tests use fakes.
//
// Contract:
// - export_batch() receives jobs of ONE target and returns an outcome per job, matched by item id.
//   A job without an outcome is treated as a retryable failure (kUnavailable), so a forgotten
//   item is retried and, at the limit, dead-lettered, never dropped.
// - The Status code alone decides what happens to the job (the worker pool decides, the exporter
//   only reports): ok → acked; retryable (is_retryable) → retried with full-jitter backoff or a
//   server's Retry-After, up to the queue's attempt limit; kCancelled → released untouched
//   (shutdown); anything else (an unsafe driver, a path collision, bad data) → dead letter at once
//   with the status text as the reason.
// - The exporter never sleeps to retry (only workers retry, through the queue). It must return
//   promptly once `stop` is requested, reporting unfinished items as kCancelled.
// - Called concurrently from every worker thread: implementations must be thread-safe.
// - Status messages end up in the dead-letter table and logs: no secrets in them.

#include <cstdint>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "common/status.h"
#include "queue/job_queue.h"

namespace dlexport::worker {

struct ItemOutcome {
  std::string item_id;
  Status status;
  std::uint64_t bytes = 0;  // bytes written for this item (0 when skipped or failed)
};

class BatchExporter {
 public:
  virtual ~BatchExporter() = default;
  virtual std::vector<ItemOutcome> export_batch(const queue::Target& target,
                                                std::span<const queue::Job> jobs,
                                                std::stop_token stop) = 0;
};

}  // namespace dlexport::worker
