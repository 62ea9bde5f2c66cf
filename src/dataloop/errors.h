#pragma once
// Mapping of Dataloop HTTP answers to Status (WIRE.md §9), in one place.
//
//   400 kInvalidArgument (never swallowed, unlike the SDK's paged queries)
//   401 kUnauthenticated   403 kPermissionDenied   404 kNotFound   408 kDeadlineExceeded
//   409 kAlreadyExists     429 kResourceExhausted
//   500-599 kUnavailable — 500 included: the SDK treats 500 as final, but the gate's 500s seen in
//           practice are transient, and every write we make is idempotent (overwrite uploads,
//           deletes tolerate 404), so retrying them is safe and cheaper than dead-lettering.
//   anything else kInternal.
// The message is the body's "message" when the body is a JSON object that has one, else the body
// text, truncated and redacted. Retry-After (delta seconds or HTTP-date) becomes
// Status::retry_after; the HTTP status is kept in Status::http_status.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "http/http_client.h"

namespace dlexport::dataloop {

inline constexpr std::size_t kMaxErrorMessageBytes = 512;

StatusCode status_code_for_http(int http_status);

// `context` (e.g. "GET /items/{id}") prefixes the message. `secrets` are redacted from it.
Status status_from_response(const http::Response& response, std::string_view context,
                            const Clock::TimePoint& now,
                            const std::vector<std::string>& secrets = {});

// "120" -> 120 s; "Wed, 21 Oct 2015 07:28:00 GMT" -> that time minus now (0 when past);
// anything else -> nullopt.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           const Clock::TimePoint& now);

}  // namespace dlexport::dataloop
