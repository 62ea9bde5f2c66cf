#pragma once
// Helpers shared by the dataloop tests: JWT minting and request body decoding.

#include <chrono>
#include <string>

#include "common/base64.h"
#include "common/clock.h"
#include "common/json.h"
#include "http/http_client.h"

namespace dlexport::dataloop::testing {

inline std::string base64url(const std::string& bytes) { return base64url_encode(bytes); }

// An unsigned-looking JWT with the given claims.
inline std::string make_jwt(const std::string& email, Clock::TimePoint expires_at,
                            const std::string& marker = "") {
  Json payload = Json::object();
  payload["email"] = email;
  payload["exp"] =
      std::chrono::duration_cast<std::chrono::seconds>(expires_at.time_since_epoch()).count();
  if (!marker.empty()) payload["marker"] = marker;
  return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(payload.dump()) + ".c2ln";
}

inline Json body_json(const http::Request& request) {
  return request.body.empty() ? Json() : Json::parse(request.body);
}

}  // namespace dlexport::dataloop::testing
