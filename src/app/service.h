#pragma once
// Service: the long-running `dlexport serve` process minus the export engine. It opens the
// durable queue (`<queue.state_dir>/queue.db`), runs the worker pool, the dataset watcher and the
// HTTP server, and shuts them down in order. The BatchExporter (the engine: annotations, format,
// driver sink, immediate cleanup) and the ItemSource are injected, so integration tests and
// `dlexport serve` run the same wiring with a real or a fake engine.
//
// With cleanup.schedule set, `scheduled_cleanup` runs on its own thread at the cron's minutes
// (UTC) until shutdown.
//
// Shutdown order (shutdown()): stop intake (the enqueueing routes answer 503), the watcher and
// the cleanup scheduler;
// drain the workers for server.drain_timeout_ms, releasing what is unfinished; run the
// on_shutdown hook (cleanup.on_shutdown); stop the HTTP server. A kill -9 at any point loses no
// job: everything enqueued is committed, leases expire.
//
// Signals: call block_termination_signals() first thing in main(), before any thread starts, so
// SIGTERM/SIGINT are delivered only to wait_for_termination_signal().
//
// Thread-compatible: start, wait and shutdown from one thread.

#include <functional>
#include <memory>

#include "cleanup/scheduler.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/options.h"
#include "metrics/registry.h"
#include "queue/job_queue.h"
#include "server/http_server.h"
#include "worker/batch_exporter.h"
#include "worker/dataset_watcher.h"
#include "worker/item_source.h"
#include "worker/worker_pool.h"

namespace dlexport::app {

struct ServiceDeps {
  worker::BatchExporter* exporter = nullptr;  // required
  worker::ItemSource* items = nullptr;        // dataset exports and the watcher need it
  std::function<Status()> ready;              // extra readiness (platform reachable); may be empty
  std::function<void()> on_shutdown;          // after the drain (cleanup.on_shutdown)
  std::function<void()> scheduled_cleanup;    // at cleanup.schedule's times; may be empty
  cleanup::Waiter* cleanup_waiter = nullptr;  // tests jump time; a real waiter if null
  metrics::Registry* metrics = nullptr;       // shared with the engine; the service's own if null
  Clock* clock = nullptr;                     // system clock if null
};

struct ShutdownReport {
  worker::DrainReport drain;
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> start(const config::Options& options, ServiceDeps deps);
  ~Service();

  int http_port() const { return server_->port(); }
  queue::JobQueue& queue() { return *queue_; }
  metrics::Registry& metrics() { return *metrics_; }

  ShutdownReport shutdown();

 private:
  Service() = default;

  config::Options options_;
  ServiceDeps deps_;
  std::unique_ptr<metrics::Registry> own_metrics_;
  metrics::Registry* metrics_ = nullptr;
  queue::JobQueuePtr queue_;
  std::unique_ptr<worker::WorkerPool> pool_;
  std::unique_ptr<worker::DatasetWatcher> watcher_;
  std::unique_ptr<cleanup::Waiter> own_waiter_;
  std::unique_ptr<cleanup::CleanupScheduler> scheduler_;
  server::HttpServerPtr server_;
  bool shut_down_ = false;
};

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts afterwards.
void block_termination_signals();
// Waits for SIGTERM or SIGINT (blocked by block_termination_signals); returns the signal number.
int wait_for_termination_signal();

}  // namespace dlexport::app
