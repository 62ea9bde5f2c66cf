#pragma once
// The composition root: builds the object graph of a run from config::Options. The one place
// that knows the concrete types (libcurl client, dataloop client, formats, SQLite ledger); used
// by apps/dlexport and by the integration tests, so both run exactly the same wiring.

#include <memory>

#include "common/result.h"
#include "config/options.h"
#include "dataloop/client.h"
#include "format/format.h"
#include "format/path_template.h"
#include "http/http_client.h"
#include "queue/export_ledger.h"
#include "worker/retry_policy.h"

namespace dlexport::app {

dataloop::ClientOptions client_options(const config::Options& options);
worker::RetryOptions retry_options(const config::RetryOptions& options);

struct Platform {
  http::HttpClientPtr http;
  std::unique_ptr<dataloop::Client> client;
  std::unique_ptr<worker::RetryPolicy> retry;
};

// Builds the libcurl client, the Dataloop client and the retry policy; when `connect` is true,
// also validates the API key with GET /users/me (retried on transient errors).
Result<Platform> make_platform(const config::Options& options, bool connect = true);

struct ExportTools {
  format::FormatPtr format;
  std::unique_ptr<format::PathTemplate> path_template;
  queue::ExportLedgerPtr ledger;
};

// Format, path template and the ledger in queue.state_dir.
Result<ExportTools> make_export_tools(const config::Options& options);

}  // namespace dlexport::app
