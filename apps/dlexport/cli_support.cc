#include "apps/dlexport/cli_support.h"

#include <iostream>

#include "common/logging.h"
#include "config/config.h"

namespace dlexport::cli {

std::optional<config::Options> load_options(const std::string& command,
                                            const std::string& config_path) {
  auto options =
      config::load(config_path.empty() ? std::nullopt : std::optional<std::string>(config_path),
                   config::process_environment());
  if (!options) {
    std::cerr << "dlexport " << command << ": invalid configuration: " << options.error().message()
              << "\n";
    return std::nullopt;
  }
  Status logging = init_logging(
      options->log.level, options->log.format == "json" ? LogFormat::kJson : LogFormat::kText);
  if (!logging.is_ok()) {
    std::cerr << "dlexport " << command << ": " << logging.message() << "\n";
    return std::nullopt;
  }
  return std::move(*options);
}

}  // namespace dlexport::cli
