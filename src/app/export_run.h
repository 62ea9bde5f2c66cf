#pragma once
// run_export(): one `dlexport export` run — every item of a dataset query (or a list of item
// ids) exported through a storage driver into the customer's bucket.
//
// Steps: validate the driver (refused unless allowExternalDelete is explicitly false), find or
// create its staging dataset, then a pipeline:
//
//   lister (1 thread: the dataset query pager, one page of <= 1000 items at a time, or the ids)
//     -> batches of export.batch_size items  [bounded queue]
//   preparers (a few threads: GET /items/{id} for --item ids, ONE batched `itemId $in`
//     annotation query per batch, paths + ONE collision check per batch, encode, ledger check)
//     -> upload tasks  [bounded queue]
//   upload engines (one thread per 32 uploads in flight: a sink::PutStream keeps up to
//     export.concurrency uploads, mode=overwrite, in flight without a thread blocked per upload)
//   helpers (export.concurrency threads: retry an upload whose first attempt failed, under the
//     RetryPolicy, counted against the concurrency; when a batch's last upload finishes: ledger
//     record + cleanup (one bulk delete))
//
// so memory stays flat for any number of items and about export.concurrency requests are in
// flight. The collision index (every path claimed so far) lives in a temporary SQLite file with a
// fixed page cache (queue::PathClaims), not in the heap. Every platform call runs under the
// RetryPolicy. Per-item failures (annotation query failed, encode failed, collision, upload failed
// after retries, driver gone) are counted and the first kMaxReportedFailures kept with their
// reason; they never abort the run. A failed
// annotation query fails its items: they are never exported with "annotations": [].
//
// `stop` (set from a signal handler) stops the lister; queued work drains, then on_shutdown
// cleanup runs. Thread-compatible: one run per call; everything in ExportDeps must outlive it.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/status.h"
#include "config/options.h"
#include "dataloop/client.h"
#include "format/format.h"
#include "format/path_template.h"
#include "queue/export_ledger.h"
#include "queue/path_claims.h"
#include "worker/retry_policy.h"

namespace dlexport::app {

struct ExportRequest {
  std::string driver_id;
  std::vector<std::string> item_ids;  // either these ...
  std::string dataset_id;             // ... or every item of this dataset
  Json query;          // extra DQL conditions (object or array) for the dataset; null: none
  bool force = false;  // upload even when the ledger says the bytes are unchanged
};

// ExportReport::failures keeps this many (the first ones): a run whose every item fails (its
// driver was deleted) would otherwise hold a reason per item, ~300 bytes each.
inline constexpr std::size_t kMaxReportedFailures = 1000;

struct ItemFailure {
  std::string item_id;
  std::string reason;
};

struct ProgressCounts {
  std::int64_t total = 0;  // 0 while unknown
  std::int64_t exported = 0, unchanged = 0, failed = 0;
  std::int64_t done() const { return exported + unchanged + failed; }
};

// Told about progress from worker threads; must be thread-safe and cheap (throttle inside).
class ProgressListener {
 public:
  virtual ~ProgressListener() = default;
  virtual void on_progress(const ProgressCounts& counts) = 0;
  virtual void on_finish(const ProgressCounts& counts) = 0;
};

struct ExportReport {
  ProgressCounts counts;
  // The first kMaxReportedFailures failed items, in completion order; counts.failed has them all.
  std::vector<ItemFailure> failures;
  // A run-level failure: the target was refused, the listing failed, ... (ok when none).
  Status fatal;
  bool refused = false;  // fatal is a refusal of the target (unsafe or missing driver)
  bool interrupted = false;
  std::string staging_dataset_id;
  bool staging_created = false;
  std::int64_t cleanup_failures = 0;  // batches whose staged items could not be deleted
  double seconds = 0;
  bool ok() const { return fatal.is_ok() && counts.failed == 0 && !interrupted; }
};

struct ExportDeps {
  const dataloop::Client& client;
  const worker::RetryPolicy& retry;
  const format::Format& format;
  const format::PathTemplate& path_template;
  queue::ExportLedger* ledger = nullptr;  // optional
  config::ExportOptions export_options;
  config::CleanupOptions cleanup_options;
  ProgressListener* progress = nullptr;     // optional
  const std::atomic<bool>* stop = nullptr;  // optional
  Clock* clock = nullptr;                   // the scheduler's clock; system clock when null
  // The run's path-collision index; when null the run opens its own private temporary one
  // (queue/sqlite/sqlite_path_claims.h). Must be empty at the start of the run.
  queue::PathClaims* path_claims = nullptr;
};

ExportReport run_export(const ExportDeps& deps, const ExportRequest& request);

// The ledger key of a driver target.
std::string driver_target_key(const std::string& driver_id);

}  // namespace dlexport::app
