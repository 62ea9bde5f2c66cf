#include "app/docs.h"

#include <fmt/format.h>

#include "config/config.h"

namespace dlexport::app {

std::string settings_markdown() {
  std::string out = "| setting | environment | default | meaning |\n|---|---|---|---|\n";
  for (const auto& doc : config::setting_docs()) {
    std::string help = doc.help;
    // A literal '|' would end the table cell.
    for (std::size_t at = help.find('|'); at != std::string::npos; at = help.find('|', at + 2)) {
      help.replace(at, 1, "\\|");
    }
    out += fmt::format("| `{}` | `{}` | {} | {} |\n", doc.key, doc.env,
                       doc.default_value.empty() ? "" : "`" + doc.default_value + "`", help);
  }
  return out;
}

}  // namespace dlexport::app
