// dlexport export: export items of a dataset (or given item ids) through a storage driver.

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <iostream>

#include "app/export_run.h"
#include "app/wiring.h"
#include "apps/dlexport/cli_support.h"
#include "apps/dlexport/command.h"
#include "apps/dlexport/progress.h"
#include "common/json.h"

namespace dlexport::cli {
namespace {

constexpr const char* kFooter = R"(
Examples:
  export DLEXPORT_API_URL=https://gate.dataloop.ai/api/v1 DLEXPORT_API_KEY=$(cat key.jwt)
  # Every item of a dataset:
  dlexport export --driver 6600000000000000000000d1 --dataset 6600000000000000000000e5
  # Only a folder (DQL conditions, appended to the default hidden=false/type=file filter):
  dlexport export --driver 66..d1 --dataset 66..e5 --query '{"dir": "/incoming"}'
  # A few items:
  dlexport export --driver 66..d1 --item 66..e8 --item 66..e9

What happens: the driver must exist and have "allow delete" off (allowExternalDelete: false),
else nothing is uploaded (exit 3). Each item becomes one JSON file (default format dataloop, path
template {dir}/{stem}.json) uploaded into the driver's hidden staging dataset, which writes it to
your bucket; the staged item is then deleted (cleanup immediate), leaving the file in the bucket.
A rerun uploads only items that are new or whose export changed (local ledger in
DLEXPORT_STATE_DIR; --force uploads everything). SIGINT/SIGTERM stop listing, finish what is in
flight, run on_shutdown cleanup, and exit 1.

Exit codes: 0 every item exported (or unchanged), 1 some items failed (listed with the reason) or
the run failed, 2 usage or configuration error, 3 target refused (unsafe or missing driver).)";

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int signal) {
  // First signal: stop gracefully. A second one gets the default action (terminate).
  g_stop.store(true);
  std::signal(signal, SIG_DFL);
}

constexpr std::size_t kMaxFailuresPrinted = 100;

class ExportCommand final : public Command {
 public:
  std::string_view name() const override { return "export"; }

  void configure(CLI::App& sub) override {
    sub.add_option("--driver,-d", driver_id_, "Storage driver id (the export target)")->required();
    auto* items = sub.add_option("--item,-i", item_ids_, "Item id to export (repeatable)");
    auto* dataset = sub.add_option("--dataset", dataset_id_, "Export every item of this dataset");
    items->excludes(dataset);
    sub.add_option("--query,-q", query_, "DQL conditions as JSON (object or array), with --dataset")
        ->needs(dataset);
    sub.add_option("--config,-c", config_path_, "YAML config file (default: $DLEXPORT_CONFIG)");
    sub.add_flag("--force", force_, "Upload even items the ledger says are unchanged");
    sub.footer(std::string(kFooter) + kEnvironmentHelp);
  }

  int run() override {
    if (item_ids_.empty() && dataset_id_.empty()) {
      std::cerr << "dlexport export: give --dataset DATASET_ID or at least one --item ITEM_ID\n";
      return kExitUsage;
    }
    app::ExportRequest request;
    request.driver_id = driver_id_;
    request.item_ids = item_ids_;
    request.dataset_id = dataset_id_;
    request.force = force_;
    if (!query_.empty()) {
      Json query;
      try {
        query = Json::parse(query_);
      } catch (const Json::exception& e) {
        std::cerr << "dlexport export: --query is not JSON: " << e.what() << "\n";
        return kExitUsage;
      }
      if (!query.is_object() && !query.is_array()) {
        std::cerr << "dlexport export: --query must be a JSON object or array of DQL conditions\n";
        return kExitUsage;
      }
      request.query = std::move(query);
    }
    auto options = load_options("export", config_path_);
    if (!options) return kExitUsage;
    auto tools = app::make_export_tools(*options);
    if (!tools) {
      std::cerr << "dlexport export: " << tools.error().message() << "\n";
      return kExitUsage;
    }
    auto platform = app::make_platform(*options);
    if (!platform) {
      std::cerr << "dlexport export: " << platform.error().to_string() << "\n";
      return platform.error().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }

    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    auto progress = make_progress(isatty(fileno(stderr)) != 0);
    app::ExportDeps deps{*platform->client,
                         *platform->retry,
                         *tools->format,
                         *tools->path_template,
                         tools->ledger.get(),
                         options->export_,
                         options->cleanup,
                         progress.get(),
                         &g_stop,
                         nullptr};
    const app::ExportReport report = app::run_export(deps, request);
    return print(report);
  }

 private:
  static int print(const app::ExportReport& report) {
    if (report.refused) {
      std::cerr << "dlexport export: target refused: " << report.fatal.message() << "\n";
      return kExitRefused;
    }
    const auto& c = report.counts;
    std::int64_t shown = 0;
    for (const auto& failure : report.failures) {
      if (shown == static_cast<std::int64_t>(kMaxFailuresPrinted)) break;
      ++shown;
      std::cout << fmt::format("failed {}: {}\n", failure.item_id, failure.reason);
    }
    // The report keeps the first app::kMaxReportedFailures; the count has them all.
    if (c.failed > shown)
      std::cout << fmt::format("... and {} more failed items\n", c.failed - shown);
    if (!report.fatal.is_ok()) {
      std::cerr << "dlexport export: " << report.fatal.to_string() << "\n";
    }
    const double rate = report.seconds > 0 ? static_cast<double>(c.done()) / report.seconds : 0;
    std::cout << fmt::format(
        "exported {}, unchanged {}, failed {} of {} items in {:.1f} s ({:.1f} items/s){}{}\n",
        c.exported, c.unchanged, c.failed, c.total > 0 ? c.total : c.done(), report.seconds, rate,
        report.interrupted ? "; interrupted before the end of the listing" : "",
        report.cleanup_failures > 0
            ? fmt::format("; {} cleanup failures (see log)", report.cleanup_failures)
            : "");
    return report.ok() ? kExitOk : kExitFailure;
  }

  std::string driver_id_;
  std::vector<std::string> item_ids_;
  std::string dataset_id_;
  std::string query_;
  std::string config_path_;
  bool force_ = false;
};

}  // namespace

std::unique_ptr<Command> make_export_command() { return std::make_unique<ExportCommand>(); }

}  // namespace dlexport::cli
