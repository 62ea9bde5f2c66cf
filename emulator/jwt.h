#pragma once
// HS256 JSON Web Tokens for the emulator: the API keys it mints (`dlexport-emulator token`,
// POST /token?default, GET /get_jwt) and the bearer check on every /api/v1 call.
//
// Contract: pure functions, thread-safe. Only HS256 is accepted; `alg: none` and every other
// algorithm are rejected. Messages of returned errors never contain the token itself.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "common/json.h"
#include "common/result.h"

namespace dlexport::emulator {

// The development secret shared by `serve` and `token` when --jwt-secret is not given. It is
// public: the emulator is a local test double, never a security boundary.
inline constexpr std::string_view kDefaultJwtSecret = "dlexport-emulator-dev-secret";

using dlexport::base64url_decode;
using dlexport::base64url_encode;

// header.payload.signature with header {"alg":"HS256","typ":"JWT"}.
std::string sign_jwt(const Json& payload, std::string_view secret);

// A token for `email` with `sub`, `iat` = now and `exp` = now + ttl.
std::string make_token(std::string_view email, std::chrono::seconds ttl, std::string_view secret);

// Seconds since the epoch, as JWTs count time.
std::int64_t unix_now();

// Checks signature and expiry (`exp` must be in the future; a token without `exp` is rejected)
// and returns the payload. kUnauthenticated with a short reason otherwise.
Result<Json> verify_jwt(std::string_view token, std::string_view secret, std::int64_t now);

}  // namespace dlexport::emulator
