#pragma once
// RFC 4648 base64url, as JWTs use it: encode without padding; decode tolerates padding and the
// standard alphabet's '+' and '/'. Pure functions, thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace dlexport {

std::string base64url_encode(std::string_view bytes);
// nullopt on a character outside the alphabet or a length no encoder produces.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace dlexport
