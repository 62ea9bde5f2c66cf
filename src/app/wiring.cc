#include "app/wiring.h"

#include <filesystem>

#include "http/curl/curl_http_client.h"
#include "queue/sqlite/sqlite_export_ledger.h"
#include "worker/retrying.h"

namespace dlexport::app {

dataloop::ClientOptions client_options(const config::Options& options) {
  dataloop::ClientOptions c;
  c.api_base_url = options.platform.api_url;
  c.gate_url = options.platform.gate_url;
  c.token = options.platform.api_key.reveal();
  c.connect_timeout = std::chrono::milliseconds(options.platform.connect_timeout_ms);
  c.request_timeout = std::chrono::milliseconds(options.platform.request_timeout_ms);
  c.upload_timeout = std::max(c.request_timeout, c.upload_timeout);
  c.annotation_batch_size = static_cast<std::size_t>(std::max(1, options.export_.annotation_chunk));
  return c;
}

worker::RetryOptions retry_options(const config::RetryOptions& options) {
  worker::RetryOptions r;
  r.max_attempts = options.max_attempts;
  r.base_delay = std::chrono::milliseconds(options.base_delay_ms);
  r.max_delay = std::chrono::milliseconds(options.max_delay_ms);
  r.max_total_time = std::chrono::milliseconds(options.max_total_ms);
  return r;
}

Result<Platform> make_platform(const config::Options& options, bool connect) {
  if (options.platform.api_key.empty()) {
    return invalid_argument(
        "no API key: set DLEXPORT_API_KEY, or DLEXPORT_API_KEY_FILE / platform.api_key_file to a "
        "file that holds it");
  }
  http::CurlHttpClientOptions http_options;
  // One warm connection per in-flight request plus the lister and preparers.
  http_options.max_idle_handles = static_cast<std::size_t>(options.export_.concurrency) + 8;
  DLX_ASSIGN_OR_RETURN(http::HttpClientPtr http, http::make_curl_http_client(http_options));
  Platform platform;
  platform.http = http;
  platform.client = std::make_unique<dataloop::Client>(client_options(options), http);
  platform.retry = std::make_unique<worker::RetryPolicy>(retry_options(options.retry));
  if (connect) {
    auto user = worker::retrying(*platform.retry, "GET /users/me",
                                 [&] { return platform.client->connect(); });
    if (!user) return user.error().annotate("connecting to " + options.platform.api_url);
  }
  return platform;
}

Result<ExportTools> make_export_tools(const config::Options& options) {
  ExportTools tools;
  format::FormatOptions format_options;
  format_options.pretty = options.export_.pretty;
  DLX_ASSIGN_OR_RETURN(tools.format, format::make_format(options.export_.format, format_options));
  DLX_ASSIGN_OR_RETURN(format::PathTemplate tmpl,
                       format::PathTemplate::parse(options.export_.path_template));
  tools.path_template = std::make_unique<format::PathTemplate>(std::move(tmpl));
  const std::string path =
      (std::filesystem::path(options.queue.state_dir) / queue::kLedgerFileName).string();
  DLX_ASSIGN_OR_RETURN(tools.ledger, queue::open_sqlite_export_ledger(path));
  return tools;
}

}  // namespace dlexport::app
