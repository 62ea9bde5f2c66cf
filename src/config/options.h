#pragma once
// Options: the plain structs every component is configured with. They are built once at start-up
// by config::load (YAML file + DLEXPORT_* environment) and then passed by const reference; no
// component reads the environment or a file by itself.
//
// Every operational number has a documented default here and in README's config reference.
// Secrets (API key, control token, webhook secret) are Secret values: they come from the
// environment or a *_file setting, never from the YAML file itself, and never print.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dlexport::config {

// A string that must never reach a log, an error message or `config check` output.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  bool empty() const { return value_.empty(); }
  const std::string& reveal() const { return value_; }
  // "(set, 212 bytes)" or "(not set)": enough to debug configuration, nothing to steal.
  std::string masked() const;

 private:
  std::string value_;
};

struct PlatformOptions {
  std::string api_url;   // https://gate.dataloop.ai/api/v1 (required)
  std::string gate_url;  // token endpoint base; derived from api_url by dropping /api/v1
  Secret api_key;        // a JWT; from DLEXPORT_API_KEY or api_key_file
  std::string api_key_file;
  int connect_timeout_ms = 10'000;
  int request_timeout_ms = 120'000;
};

struct ExportOptions {
  std::string format = "dataloop";  // dataloop | raw
  bool pretty = false;              // raw format only
  std::string path_template = "{dir}/{stem}.json";
  int concurrency = 32;        // requests in flight; hides a remote API's latency
  int batch_size = 100;        // items per worker batch (one annotation query per batch)
  int annotation_chunk = 100;  // item ids per `itemId $in` annotation query
};

struct RetryOptions {
  int max_attempts = 8;
  int base_delay_ms = 200;
  int max_delay_ms = 30'000;
  int max_total_ms = 300'000;
};

struct CleanupOptions {
  bool immediate = true;                  // delete staged items right after each batch
  std::optional<std::int64_t> threshold;  // delete all once the staging dataset holds more
  std::optional<std::string> schedule;    // 5-field cron, UTC
  bool on_shutdown = false;               // SIGTERM/SIGINT: drain, then delete
};

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";
  Secret control_token;  // bearer token of the /v1 API
  std::string control_token_file;
  Secret webhook_secret;  // shared secret of the webhook receiver
  std::string webhook_secret_file;
  std::int64_t max_body_bytes = 1 << 20;
  int drain_timeout_ms = 30'000;
};

struct QueueOptions {
  std::string state_dir = "dlexport-state";  // the queue database lives here
  int lease_ms = 60'000;
  int max_attempts = 10;  // then the job goes to the dead-letter table
};

struct WatchOptions {
  std::string dataset_id;
  std::string driver_id;
  std::string filter;  // optional DQL filter, JSON text
  int interval_ms = 30'000;
};

struct LogOptions {
  std::string level = "info";   // trace|debug|info|warn|error
  std::string format = "text";  // text|json
};

struct Options {
  PlatformOptions platform;
  ExportOptions export_;
  RetryOptions retry;
  CleanupOptions cleanup;
  ServerOptions server;
  QueueOptions queue;
  std::vector<WatchOptions> watch;
  LogOptions log;
  std::string source;  // "defaults", "/etc/dlexport.yaml + environment", ... (for config check)
};

}  // namespace dlexport::config
