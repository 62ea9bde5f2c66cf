#include "dataloop/jwt.h"

#include <cmath>

#include "common/json.h"

namespace dlexport::dataloop {

std::optional<std::string> base64url_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z')
      value = c - 'A';
    else if (c >= 'a' && c <= 'z')
      value = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      value = c - '0' + 52;
    else if (c == '-' || c == '+')
      value = 62;
    else if (c == '_' || c == '/')
      value = 63;
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character cannot encode a byte
  return out;
}

Result<JwtClaims> decode_jwt_claims(std::string_view token) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) {
    return invalid_argument("token is not a JWT (expected header.payload.signature)");
  }
  auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
  if (!payload) return invalid_argument("token is not a JWT (payload is not base64url)");
  JwtClaims claims;
  try {
    const Json json = Json::parse(*payload);
    if (!json.is_object()) return invalid_argument("token is not a JWT (payload is not an object)");
    if (json.contains("exp") && json.at("exp").is_number()) {
      const Json* exp = &json.at("exp");
      const double seconds = exp->get<double>();
      claims.expires_at = Clock::TimePoint(std::chrono::duration_cast<Clock::TimePoint::duration>(
          std::chrono::duration<double>(std::floor(seconds))));
    }
    if (json.contains("email") && json.at("email").is_string()) {
      claims.email = json.at("email").get<std::string>();
    }
  } catch (const Json::exception&) {
    return invalid_argument("token is not a JWT (payload is not JSON)");
  }
  return claims;
}

}  // namespace dlexport::dataloop
