#include "app/service.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "queue/sqlite/sqlite_job_queue.h"
#include "worker/queue_metrics.h"

namespace dlexport::app {

Result<std::unique_ptr<Service>> Service::start(const config::Options& options, ServiceDeps deps) {
  if (deps.exporter == nullptr) return invalid_argument("service: no exporter");
  if (!options.watch.empty() && deps.items == nullptr) {
    return invalid_argument("service: watch entries need platform access (no item source)");
  }
  Clock& clock = deps.clock != nullptr ? *deps.clock : system_clock();
  std::unique_ptr<Service> service(new Service());
  service->options_ = options;
  service->deps_ = deps;
  if (deps.metrics == nullptr) {
    service->own_metrics_ = std::make_unique<metrics::Registry>();
    service->metrics_ = service->own_metrics_.get();
  } else {
    service->metrics_ = deps.metrics;
  }

  queue::SqliteJobQueueOptions queue_options;
  queue_options.path =
      (std::filesystem::path(options.queue.state_dir) / queue::kQueueFileName).string();
  queue_options.max_attempts = options.queue.max_attempts;
  DLX_ASSIGN_OR_RETURN(service->queue_, queue::open_sqlite_job_queue(queue_options, clock));
  worker::register_queue_metrics(*service->metrics_, *service->queue_);

  worker::WorkerPoolOptions pool_options;
  pool_options.workers = std::max(1, options.export_.concurrency / 8);
  pool_options.batch_size = options.export_.batch_size;
  pool_options.lease = std::chrono::milliseconds(options.queue.lease_ms);
  pool_options.base_delay = std::chrono::milliseconds(options.retry.base_delay_ms);
  pool_options.max_delay = std::chrono::milliseconds(options.retry.max_delay_ms);
  service->pool_ = std::make_unique<worker::WorkerPool>(pool_options, *service->queue_,
                                                        *deps.exporter, *service->metrics_, clock);
  worker::WorkerPool* pool = service->pool_.get();
  auto wake = [pool] { pool->wake(); };

  if (!options.watch.empty()) {
    DLX_ASSIGN_OR_RETURN(service->watcher_, worker::DatasetWatcher::create(
                                                options.watch, *deps.items, *service->queue_,
                                                *service->metrics_, wake));
  }

  if (options.cleanup.schedule && deps.scheduled_cleanup) {
    auto schedule = cleanup::CronSchedule::parse(*options.cleanup.schedule);
    if (!schedule) return schedule.error().annotate("cleanup.schedule");
    cleanup::Waiter* waiter = deps.cleanup_waiter;
    if (waiter == nullptr) {
      service->own_waiter_ = cleanup::make_real_waiter(clock);
      waiter = service->own_waiter_.get();
    }
    service->scheduler_ = std::make_unique<cleanup::CleanupScheduler>(
        std::move(*schedule), clock, *waiter, deps.scheduled_cleanup);
  }

  server::ServerDeps server_deps;
  server_deps.queue = service->queue_.get();
  server_deps.metrics = service->metrics_;
  server_deps.items = deps.items;
  queue::JobQueue* queue = service->queue_.get();
  server_deps.ready = [queue, ready = deps.ready]() -> Status {
    // The queue answers: the database is open and readable.
    auto stats = queue->stats();
    if (!stats) return stats.status().annotate("queue");
    return ready ? ready() : Status();
  };
  server_deps.on_enqueued = wake;
  server_deps.clock = &clock;
  DLX_ASSIGN_OR_RETURN(service->server_,
                       server::start_http_server(options.server, std::move(server_deps)));

  service->pool_->start();
  if (service->watcher_) service->watcher_->start();
  if (service->scheduler_) service->scheduler_->start();
  spdlog::info("service: {} workers, queue {}, {} watch entr{}", pool_options.workers,
               queue_options.path, options.watch.size(), options.watch.size() == 1 ? "y" : "ies");
  return service;
}

Service::~Service() { shutdown(); }

ShutdownReport Service::shutdown() {
  ShutdownReport report;
  if (shut_down_) return report;
  shut_down_ = true;
  if (server_) server_->stop_intake();
  if (watcher_) watcher_->stop();
  if (scheduler_) scheduler_->stop();
  if (pool_) {
    report.drain = pool_->stop(std::chrono::milliseconds(options_.server.drain_timeout_ms));
    spdlog::info("service: drained{}; {} job(s) released for the next start",
                 report.drain.timed_out ? " (deadline passed)" : "", report.drain.released_jobs);
  }
  if (deps_.on_shutdown) deps_.on_shutdown();
  if (server_) server_->stop();
  return report;
}

void block_termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_termination_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  return signal_number;
}

}  // namespace dlexport::app
