#pragma once
// Local JWT payload decoding (no signature check — the platform verifies; we only need to know
// when the token expires and whose it is, as the SDK does, WIRE.md §1.1).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace dlexport::dataloop {

struct JwtClaims {
  std::optional<Clock::TimePoint> expires_at;  // from "exp"; nullopt when absent
  std::string email;                           // "" when absent
};

// Fails with kInvalidArgument when `token` is not header.payload.signature with a JSON payload.
// The message never contains the token.
Result<JwtClaims> decode_jwt_claims(std::string_view token);

}  // namespace dlexport::dataloop
