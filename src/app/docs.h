#pragma once
// Generated documentation: the README's configuration reference comes from here
// (`dlexport config docs`), and a test keeps the README's copy in sync.

#include <string>

namespace dlexport::app {

// A Markdown table of every setting (config::setting_docs()): key, variable, default, meaning.
std::string settings_markdown();

}  // namespace dlexport::app
