#pragma once
// Gauges that mirror the queue's state, read from JobQueue::stats() when /metrics is scraped:
//   dlexport_queue_depth, dlexport_queue_in_flight, dlexport_queue_oldest_age_seconds,
//   dlexport_queue_dead_letters, dlexport_queue_jobs{target, state}.
// The queue must outlive the registry's last expose().

#include "metrics/registry.h"
#include "queue/job_queue.h"

namespace dlexport::worker {

void register_queue_metrics(metrics::Registry& registry, queue::JobQueue& queue);

}  // namespace dlexport::worker
