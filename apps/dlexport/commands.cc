#include "apps/dlexport/command.h"

namespace dlexport::cli {

const std::vector<CommandEntry>& commands() {
  static const std::vector<CommandEntry> kCommands = {
      {"format", "Encode one item (and its annotations) as an export file, or print its path",
       make_format_command},
      {"dlq", "List or redrive the service's dead letters", make_dlq_command},
  };
  return kCommands;
}

}  // namespace dlexport::cli
