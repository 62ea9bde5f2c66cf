// dlexport cleanup: empty a driver's staging dataset and/or delete orphan staging datasets.

#include <fmt/format.h>

#include <iostream>

#include "app/cleanup_run.h"
#include "app/wiring.h"
#include "apps/dlexport/cli_support.h"
#include "apps/dlexport/command.h"

namespace dlexport::cli {
namespace {

constexpr const char* kFooter = R"(
Examples:
  # What would be deleted from driver 66..d1's staging dataset (nothing is deleted):
  dlexport cleanup --driver 6600000000000000000000d1 --dry-run
  # Delete the staged items (the exported files stay in the bucket):
  dlexport cleanup --driver 6600000000000000000000d1
  # Delete staging datasets whose driver no longer exists (404), for every project:
  dlexport cleanup --orphans

Safety: staged items are deleted only from a staging dataset (metadata.system.exportSolution,
scope system) whose driver is re-read right before and still says allowExternalDelete: false, so
bucket files are never deleted. Orphans are staging datasets whose driver answers 404; a 403, 5xx
or timeout keeps the dataset.

Exit codes: 0 done, 1 failed, 2 usage or configuration error, 3 target refused (unsafe driver).)";

class CleanupCommand final : public Command {
 public:
  std::string_view name() const override { return "cleanup"; }

  void configure(CLI::App& sub) override {
    sub.add_option("--driver,-d", driver_id_, "Driver whose staging dataset is emptied");
    sub.add_flag("--orphans", orphans_, "Delete staging datasets whose driver is gone (404)");
    sub.add_flag("--dry-run,-n", dry_run_, "List what would be deleted; delete nothing");
    sub.add_option("--config,-c", config_path_, "YAML config file (default: $DLEXPORT_CONFIG)");
    sub.footer(std::string(kFooter) + kEnvironmentHelp);
  }

  int run() override {
    if (driver_id_.empty() && !orphans_) {
      std::cerr << "dlexport cleanup: give --driver DRIVER_ID and/or --orphans\n";
      return kExitUsage;
    }
    auto options = load_options("cleanup", config_path_);
    if (!options) return kExitUsage;
    auto platform = app::make_platform(*options);
    if (!platform) {
      std::cerr << "dlexport cleanup: " << platform.error().to_string() << "\n";
      return platform.error().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    const app::CleanupReport report =
        app::run_cleanup(*platform->client, *platform->retry, {driver_id_, orphans_, dry_run_});
    if (report.refused) {
      std::cerr << "dlexport cleanup: target refused: " << report.fatal.message() << "\n";
      return kExitRefused;
    }
    if (!driver_id_.empty() && report.fatal.is_ok()) {
      if (report.staging_dataset_id.empty()) {
        std::cout << fmt::format("driver {} has no staging dataset: nothing to delete\n",
                                 driver_id_);
      } else if (dry_run_) {
        for (const auto& item : report.staged) {
          std::cout << fmt::format("would delete staged item {} {}\n", item.id, item.filename);
        }
        std::cout << fmt::format("{} staged items in staging dataset {} would be deleted\n",
                                 report.staged_count, report.staging_dataset_id);
      } else {
        std::cout << fmt::format("deleted {} staged items from staging dataset {}\n",
                                 report.staged_count, report.staging_dataset_id);
      }
    }
    for (const auto& d : report.orphans) {
      std::cout << fmt::format("staging dataset {} ('{}', driver {}): {}\n", d.dataset_id,
                               d.dataset_name, d.driver_id, d.reason);
    }
    if (!report.fatal.is_ok()) {
      std::cerr << "dlexport cleanup: " << report.fatal.to_string() << "\n";
      return kExitFailure;
    }
    for (const auto& d : report.orphans) {
      if (d.orphan && !d.deleted && !dry_run_) return kExitFailure;
    }
    return kExitOk;
  }

 private:
  std::string driver_id_;
  bool orphans_ = false;
  bool dry_run_ = false;
  std::string config_path_;
};

}  // namespace

std::unique_ptr<Command> make_cleanup_command() { return std::make_unique<CleanupCommand>(); }

}  // namespace dlexport::cli
