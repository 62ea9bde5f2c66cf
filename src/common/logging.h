#pragma once
// Process-wide logging setup on spdlog: human-readable text for terminals, one JSON object per
// line with `--log-format json` for log shippers. Every line goes to stderr so stdout stays
// clean for command output (the exported bytes of `dlexport format`, `config check` YAML, ...).
//
// Messages must already be free of secrets: redact (common/redact.h) before logging anything
// that came from a request, a response or the environment.

#include <string_view>

#include "common/status.h"

namespace dlexport {

enum class LogFormat { kText, kJson };

// Installs the default logger. `level` is trace|debug|info|warn|error. Safe to call again (tests).
Status init_logging(std::string_view level, LogFormat format);

}  // namespace dlexport
