// dlexport config check | docs: the effective configuration, and the settings reference.

#include <fmt/format.h>

#include <iostream>

#include "app/docs.h"
#include "apps/dlexport/cli_support.h"
#include "apps/dlexport/command.h"
#include "config/config.h"

namespace dlexport::cli {
namespace {

constexpr const char* kFooter = R"txt(
Examples:
  DLEXPORT_API_URL=https://gate.dataloop.ai/api/v1 dlexport config check
  dlexport config check --config dlexport.yaml     # exit 2 with the error when invalid
  dlexport config docs                             # every setting, its variable and default

Secrets (API key, tokens) are printed masked: "(set, 212 bytes)".)txt";

class ConfigCommand final : public Command {
 public:
  std::string_view name() const override { return "config"; }

  void configure(CLI::App& sub) override {
    sub.require_subcommand(1);
    check_ = sub.add_subcommand("check", "Validate and print the effective configuration");
    check_->add_option("--config,-c", config_path_, "YAML config file (default: $DLEXPORT_CONFIG)");
    docs_ = sub.add_subcommand("docs", "Print the settings reference as a Markdown table");
    sub.footer(std::string(kFooter) + kEnvironmentHelp);
  }

  int run() override {
    if (docs_->parsed()) {
      std::cout << app::settings_markdown();
      return kExitOk;
    }
    auto options =
        config::load(config_path_.empty() ? std::nullopt : std::optional<std::string>(config_path_),
                     config::process_environment());
    if (!options) {
      std::cerr << "dlexport config check: invalid configuration: " << options.error().message()
                << "\n";
      return kExitUsage;
    }
    std::cout << config::describe(*options);
    return kExitOk;
  }

 private:
  CLI::App* check_ = nullptr;
  CLI::App* docs_ = nullptr;
  std::string config_path_;
};

}  // namespace

std::unique_ptr<Command> make_config_command() { return std::make_unique<ConfigCommand>(); }

}  // namespace dlexport::cli
