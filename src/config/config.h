#pragma once
// Loading and validating dlexport's configuration.
//
// Precedence, lowest first: built-in defaults, the YAML file (`--config FILE`, else
// DLEXPORT_CONFIG, else none), DLEXPORT_* environment overrides, secrets from the environment or
// *_file settings. Every setting has one row in a table (config.cc) that names its YAML key, its
// environment variable and its default, so the file format, the overrides, `config check` and the
// README reference cannot drift apart. Errors name the setting and the fix; unknown YAML keys are
// errors (a typo must not silently fall back to a default).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/options.h"

namespace dlexport::config {

// Reads one environment variable; injected so tests never touch the process environment.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();

// Defaults < YAML file < environment < secrets; then validate(). `path` overrides DLEXPORT_CONFIG.
Result<Options> load(const std::optional<std::string>& path, const Environment& env);

// Parses YAML text on top of `base` (no environment, no validation). `origin` names the text in
// error messages.
Result<Options> parse_yaml(std::string_view text, Options base, std::string_view origin);

// Checks ranges and combinations; the first problem found is returned, naming the setting.
Status validate(const Options& options);

// The effective configuration as YAML, secrets masked (`dlexport config check`).
std::string describe(const Options& options);

// One row per setting, for documentation: YAML key, environment variable, default, meaning.
struct SettingDoc {
  std::string key;
  std::string env;
  std::string default_value;
  std::string help;
};
std::vector<SettingDoc> setting_docs();

}  // namespace dlexport::config
