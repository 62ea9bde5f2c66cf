#include "dataloop/jwt.h"

#include <cmath>

#include "common/base64.h"
#include "common/json.h"

namespace dlexport::dataloop {

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
