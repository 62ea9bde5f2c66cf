#include "dataloop/errors.h"

#include <charconv>
#include <ctime>

#include "common/json.h"
#include "common/redact.h"

namespace dlexport::dataloop {

StatusCode status_code_for_http(int http_status) {
  switch (http_status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 408:
      return StatusCode::kDeadlineExceeded;
    case 409:
      return StatusCode::kAlreadyExists;
    case 429:
      return StatusCode::kResourceExhausted;
    default:
      break;
  }
  if (http_status >= 500 && http_status <= 599) return StatusCode::kUnavailable;
  return StatusCode::kInternal;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           const Clock::TimePoint& now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::milliseconds(seconds * 1000);
  }
  // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  const std::string text(value);
  const char* parsed = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (parsed == nullptr || *parsed != '\0') return std::nullopt;
  const std::time_t when = ::timegm(&tm);
  const auto target = std::chrono::system_clock::from_time_t(when);
  if (target <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(target - now);
}

Status status_from_response(const http::Response& response, std::string_view context,
                            const Clock::TimePoint& now, const std::vector<std::string>& secrets) {
  std::string detail;
  try {
    const Json body = Json::parse(response.body);
    if (body.is_object() && body.contains("message") && body["message"].is_string()) {
      detail = body["message"].get<std::string>();
    } else {
      detail = response.body;
    }
  } catch (const Json::exception&) {
    detail = response.body;
  }
  if (detail.empty()) detail = "(empty body)";
  std::string message = std::string(context) + ": HTTP " + std::to_string(response.status) + ": " +
                        truncate_utf8(detail, kMaxErrorMessageBytes);
  if (!response.request_id.empty()) message += " [request " + response.request_id + "]";
  Status status(status_code_for_http(response.status), redact(message, secrets));
  status.with_http_status(response.status);
  if (auto retry_after = response.headers.get("Retry-After")) {
    if (auto delay = parse_retry_after(*retry_after, now)) status.with_retry_after(*delay);
  }
  return status;
}

}  // namespace dlexport::dataloop
