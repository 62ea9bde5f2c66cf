// dlexport serve: the long-running service — HTTP API, webhook receiver, dataset watcher and
// workers over the durable queue — until SIGTERM or SIGINT (README "Service mode").

#include <chrono>
#include <iostream>
#include <mutex>

#include "app/driver_batch_exporter.h"
#include "app/service.h"
#include "app/wiring.h"
#include "apps/dlexport/cli_support.h"
#include "apps/dlexport/command.h"
#include "common/logging.h"
#include "worker/dataloop_item_source.h"

namespace dlexport::cli {
namespace {

constexpr const char* kFooter = R"(
Examples:
  export DLEXPORT_API_URL=https://gate.dataloop.ai/api/v1 DLEXPORT_API_KEY_FILE=key.jwt
  export DLEXPORT_CONTROL_TOKEN=... DLEXPORT_WEBHOOK_SECRET=... DLEXPORT_STATE_DIR=/var/lib/dlexport
  dlexport serve --log-format json

  curl -H "Authorization: Bearer $DLEXPORT_CONTROL_TOKEN" \
       -d '{"driver_id":"66..d1","item_ids":["66..e8"]}' http://127.0.0.1:8080/v1/exports

On start it prints "listening on http://HOST:PORT" on stdout. SIGTERM/SIGINT: stop intake, finish
or release the batches in flight (server.drain_timeout_ms), run on_shutdown cleanup, exit 0.
Exit codes: 0 stopped by a signal, 1 start-up failed (platform, queue, port), 2 configuration.)";

constexpr auto kReadyRecheck = std::chrono::seconds(10);

class ServeCommand final : public Command {
 public:
  std::string_view name() const override { return "serve"; }

  void configure(CLI::App& sub) override {
    sub.add_option("--config,-c", config_path_, "YAML config file (default: $DLEXPORT_CONFIG)");
    sub.add_option("--log-format", log_format_, "text or json (default: log.format)")
        ->check(CLI::IsMember({"text", "json"}));
    sub.footer(std::string(kFooter) + kEnvironmentHelp);
  }

  int run() override {
    // Before any thread exists, so the signals reach only wait_for_termination_signal().
    app::block_termination_signals();
    auto options = load_options("serve", config_path_);
    if (!options) return kExitUsage;
    if (!log_format_.empty()) {
      options->log.format = log_format_;
      (void)init_logging(options->log.level,
                         log_format_ == "json" ? LogFormat::kJson : LogFormat::kText);
    }
    auto tools = app::make_export_tools(*options);
    if (!tools) {
      std::cerr << "dlexport serve: " << tools.error().message() << "\n";
      return kExitUsage;
    }
    auto platform = app::make_platform(*options);
    if (!platform) {
      std::cerr << "dlexport serve: " << platform.error().to_string() << "\n";
      return platform.error().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    metrics::Registry registry;
    auto exporter = app::make_driver_batch_exporter(
        {*platform->client, *platform->retry, *tools->format, *tools->path_template,
         tools->ledger.get(), options->export_, options->cleanup, &registry});
    auto items = worker::make_dataloop_item_source(*platform->client);
    app::ServiceDeps deps;
    deps.exporter = exporter.get();
    deps.items = items.get();
    deps.metrics = &registry;
    // /readyz: the platform answers GET /users/me (checked at most every kReadyRecheck).
    struct ReadyCache {
      std::mutex mu;
      std::chrono::steady_clock::time_point checked{};
      Status last;
    } ready_cache;
    dataloop::Client& client = *platform->client;
    deps.ready = [&ready_cache, &client]() -> Status {
      std::lock_guard<std::mutex> lock(ready_cache.mu);
      const auto now = std::chrono::steady_clock::now();
      if (ready_cache.checked == std::chrono::steady_clock::time_point{} ||
          now - ready_cache.checked > kReadyRecheck) {
        auto user = client.connect();
        ready_cache.last = user ? Status() : user.error().annotate("platform");
        ready_cache.checked = now;
      }
      return ready_cache.last;
    };
    deps.on_shutdown = [&exporter] {
      Status cleaned = exporter->on_shutdown();
      if (!cleaned.is_ok()) std::cerr << "dlexport serve: cleanup: " << cleaned.to_string() << "\n";
    };
    deps.scheduled_cleanup = [&exporter] {
      Status cleaned = exporter->cleanup_all();
      if (!cleaned.is_ok()) {
        std::cerr << "dlexport serve: scheduled cleanup: " << cleaned.to_string() << "\n";
      }
    };
    auto service = app::Service::start(*options, deps);
    if (!service) {
      std::cerr << "dlexport serve: " << service.error().to_string() << "\n";
      return service.error().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    const std::string host = options->server.listen.substr(0, options->server.listen.rfind(':'));
    std::cout << "listening on http://" << host << ":" << (*service)->http_port() << std::endl;
    const int signal_number = app::wait_for_termination_signal();
    std::cerr << "dlexport serve: signal " << signal_number << ", shutting down\n";
    (*service)->shutdown();
    return kExitOk;
  }

 private:
  std::string config_path_;
  std::string log_format_;
};

}  // namespace

std::unique_ptr<Command> make_serve_command() { return std::make_unique<ServeCommand>(); }

}  // namespace dlexport::cli
