#include "apps/dlexport/command.h"

namespace dlexport::cli {

const std::vector<CommandEntry>& commands() {
  static const std::vector<CommandEntry> kCommands = {
      {"export", "Export items (metadata + annotations) to a bucket through a storage driver",
       make_export_command},
      {"cleanup", "Delete staged items of a driver's staging dataset, or orphan staging datasets",
       make_cleanup_command},
      {"config", "Check the effective configuration or print the settings reference",
       make_config_command},
      {"format", "Encode one item (and its annotations) as an export file, or print its path",
       make_format_command},
      {"serve", "Run the service: HTTP API, webhook receiver, watcher and workers",
       make_serve_command},
      {"dlq", "List or redrive the service's dead letters", make_dlq_command},
  };
  return kCommands;
}

}  // namespace dlexport::cli
