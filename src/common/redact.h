#pragma once
// Secret redaction for anything that may reach a log line or a Status message.
//
// Two layers: known secrets (the exact token, API key, refresh token or password a component
// holds) are replaced wherever they occur, and shapes that look like secrets are masked even when
// nobody registered them: `Bearer <x>`, JWTs (`eyJ...`.`...`.`...`), and the values of JSON or
// form fields named like credentials (password, token, refresh_token, id_token, jwt, api_key,
// secret, authorization). Pure functions; thread-safe.

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace dlexport {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// Returns `text` with secrets masked. Empty entries in `known_secrets` are ignored.
std::string redact(std::string_view text, const std::vector<std::string>& known_secrets = {});

// Truncates to at most `max_bytes` (on a UTF-8 boundary), appending "..." when cut.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace dlexport
