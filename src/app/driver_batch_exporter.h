#pragma once
// DriverBatchExporter: the service's export engine for driver targets — a worker::BatchExporter
// built from the same pieces as `dlexport export` (driver validation, staging dataset, driver sink,
// formats, path template, export ledger, cleanup handler).
//
// Per batch (one driver): validate the driver and find/create its staging dataset (cached per
// driver; re-validated after a failed upload); read the items (a GET for the first, ONE `id $in`
// query in its dataset for the rest, a GET for any it did not return); ONE batched annotation
// query per dataset; render the path, encode, skip items whose bytes the ledger says are already
// written; upload the rest concurrently (mode=overwrite); record the ledger; cleanup.after_batch on
// the staged items. Nothing here retries or sleeps: every failure becomes the item's Status and the
// worker pool decides (retryable → queue retry with backoff; anything else → dead letter):
//   unsafe or missing driver → kFailedPrecondition; item deleted → kNotFound; annotation query
//   failed → its status (the item is never exported without annotations); no valid path or a path
//   collision inside the batch → kInvalidArgument; upload failure → its status.
// Known gap: a collision between items of different batches is not detected (the ledger maps
// item -> path, not path -> item).
//
// on_shutdown() runs the on_shutdown cleanup of every driver seen; cleanup_all() empties the
// staging dataset of every driver seen (the scheduled strategy). Thread-safe: batches run
// concurrently from the worker threads. Dependencies must outlive the exporter.

#include <memory>

#include "config/options.h"
#include "dataloop/client.h"
#include "format/format.h"
#include "format/path_template.h"
#include "metrics/registry.h"
#include "queue/export_ledger.h"
#include "worker/batch_exporter.h"
#include "worker/retry_policy.h"

namespace dlexport::app {

struct DriverExporterDeps {
  const dataloop::Client& client;
  const worker::RetryPolicy& retry;  // used only by the cleanup handler's deletes
  const format::Format& format;
  const format::PathTemplate& path_template;
  queue::ExportLedger* ledger = nullptr;
  config::ExportOptions export_options;
  config::CleanupOptions cleanup_options;
  metrics::Registry* metrics = nullptr;  // dlexport_cleanup_runs_total
};

class DriverBatchExporter : public worker::BatchExporter {
 public:
  // Runs on_shutdown cleanup for every driver used (after the workers drained).
  virtual Status on_shutdown() = 0;
  // Deletes every staged item of every driver used so far (cleanup.schedule).
  virtual Status cleanup_all() = 0;
};

std::unique_ptr<DriverBatchExporter> make_driver_batch_exporter(DriverExporterDeps deps);

}  // namespace dlexport::app
