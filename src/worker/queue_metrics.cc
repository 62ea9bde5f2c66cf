#include "worker/queue_metrics.h"

#include <spdlog/spdlog.h>

namespace dlexport::worker {

void register_queue_metrics(metrics::Registry& registry, queue::JobQueue& queue) {
  auto& depth =
      registry.gauge("dlexport_queue_depth", "Jobs waiting (pending, incl. retries).").with({});
  auto& in_flight = registry.gauge("dlexport_queue_in_flight", "Jobs leased to a worker.").with({});
  auto& oldest =
      registry.gauge("dlexport_queue_oldest_age_seconds", "Age of the oldest job not yet done.")
          .with({});
  auto& dead =
      registry.gauge("dlexport_queue_dead_letters", "Jobs in the dead-letter table.").with({});
  auto& jobs =
      registry.gauge("dlexport_queue_jobs", "Jobs by target and state.", {"target", "state"});
  auto& errors = registry.counter("dlexport_queue_errors_total",
                                  "Queue operations that failed, by operation.", {"op"});
  registry.add_collect_hook([&queue, &depth, &in_flight, &oldest, &dead, &jobs, &errors] {
    auto stats = queue.stats();
    if (!stats) {
      errors.with({"stats"}).inc();
      spdlog::warn("metrics: queue stats failed: {}", stats.status().to_string());
      return;
    }
    depth.set(static_cast<double>(stats->pending));
    in_flight.set(static_cast<double>(stats->in_flight));
    oldest.set(std::chrono::duration<double>(stats->oldest_age).count());
    dead.set(static_cast<double>(stats->dead));
    // Targets that emptied out drop to zero rather than keeping their last value.
    jobs.for_each([](const std::vector<std::string>&, metrics::Gauge& g) { g.set(0); });
    for (const auto& [target, t] : stats->per_target) {
      jobs.with({target, "pending"}).set(static_cast<double>(t.pending));
      jobs.with({target, "in_flight"}).set(static_cast<double>(t.in_flight));
      jobs.with({target, "dead"}).set(static_cast<double>(t.dead));
    }
  });
}

}  // namespace dlexport::worker
