#pragma once
// Helpers shared by the commands that talk to the platform: configuration loading with the
// usage-error exit code, logging set-up, and the environment variables every --help lists.

#include <optional>
#include <string>

#include "config/options.h"

namespace dlexport::cli {

inline constexpr const char* kEnvironmentHelp = R"(
Environment:
  DLEXPORT_API_URL       Dataloop API base URL, e.g. https://gate.dataloop.ai/api/v1 (required)
  DLEXPORT_API_KEY       the API key (a JWT); or DLEXPORT_API_KEY_FILE=<file holding it>
  DLEXPORT_CONFIG        YAML config file (same as --config); every setting also has a
                         DLEXPORT_* variable: `dlexport config docs` lists them all
  DLEXPORT_GATE_URL      token endpoint base (default: the API URL without /api/v1)
  DLEXPORT_STATE_DIR     where the export ledger lives (default ./dlexport-state)
  DLEXPORT_LOG_LEVEL     trace|debug|info|warn|error (default info)
)";

// Loads defaults < file < environment and sets up logging. On error prints
// "dlexport <command>: <error>" to stderr and returns nullopt (exit with kExitUsage).
std::optional<config::Options> load_options(const std::string& command,
                                            const std::string& config_path);

}  // namespace dlexport::cli
