#pragma once
// HttpServer: dlexport's inbound HTTP (cpp-httplib stays in this folder).
//
// Routes (README "HTTP API"):
//   POST /v1/exports                  {driver_id, item_ids:[...]} | {driver_id, dataset_id, query}
//                                     -> 202 {"job_ids": [...], ...}
//   GET  /v1/exports/{job_id}         -> the job's state (pending|in_flight|done|dead)
//   GET  /v1/status                   -> queue depth, in flight, dead letters, per target
//   GET  /v1/dead-letters?limit=N     -> the dead letters, oldest failure first
//   POST /v1/dead-letters/redrive     {all: true} | {job_ids: [...]}
//   POST /v1/hooks/dataloop/{driver_id}   platform events; shared secret, not the bearer token
//   GET  /healthz, /readyz, /metrics  unauthenticated (bind to localhost or firewall them)
//
// Contract:
// - Every /v1 call except the webhook needs `Authorization: Bearer <control token>`, compared in
//   constant time; a failure is 401 with a JSON error that says nothing about the token. With no
//   control token configured the control API answers 403 to everything. The webhook checks the
//   webhook secret (header X-Dlexport-Secret or query ?secret=) the same way; without a configured
//   secret it answers 403.
// - Bad input (malformed JSON, unknown fields, ids that are not 24-hex, a body larger than
//   max_body_bytes) is a 4xx JSON error {"error": {"code", "message"}} and enqueues nothing.
// - Dataset exports (`dataset_id` + `query`) page the dataset through the ItemSource while the
//   request waits, enqueueing page by page; the answer lists every job id. A platform error
//   half-way answers 502 with the error; the pages already enqueued stay enqueued (harmless: an
//   export is idempotent and a retry of the request coalesces with them).
// - stop_intake() makes the enqueueing routes answer 503 while the rest keeps serving (drain).
// - Request latency goes to dlexport_http_request_duration_seconds{endpoint, code}; the endpoint
//   label is the route pattern, never the raw path.
// - Thread-safe; handlers run on cpp-httplib's thread pool. Dependencies must outlive the server.

#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "config/options.h"
#include "metrics/registry.h"
#include "queue/job_queue.h"
#include "worker/item_source.h"

namespace dlexport::server {

struct ServerDeps {
  queue::JobQueue* queue = nullptr;      // required
  metrics::Registry* metrics = nullptr;  // required
  worker::ItemSource* items = nullptr;   // dataset exports answer 501 without one
  std::function<Status()> ready;         // /readyz; empty = ready
  std::function<void()> on_enqueued;     // wakes the workers
  Clock* clock = &system_clock();
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // The bound port (useful with a configured port 0).
  virtual int port() const = 0;
  virtual void stop_intake() = 0;
  // Stops listening and waits for the handlers in progress.
  virtual void stop() = 0;
};

using HttpServerPtr = std::unique_ptr<HttpServer>;

// Binds options.listen and starts serving on a background thread.
Result<HttpServerPtr> start_http_server(const config::ServerOptions& options, ServerDeps deps);

}  // namespace dlexport::server
