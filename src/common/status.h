#pragma once
// Status: the outcome of an operation that can fail in an expected way.
//
// Expected failures (network errors, bad platform answers, bad input) travel as values; the
// StatusCode alone decides whether a caller may retry (see is_retryable). Broken invariants are
// bugs and are not reported through Status. A Status is cheap to copy when ok and is immutable.
// Messages must never contain secrets: callers redact before building one (common/redact.h).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dlexport {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad input from a user, a config file or a request; do not retry
  kNotFound,            // the thing does not exist (HTTP 404)
  kAlreadyExists,       // conflict with existing state (HTTP 409)
  kPermissionDenied,    // authenticated but not allowed (HTTP 403)
  kUnauthenticated,     // missing, expired or rejected credentials (HTTP 401)
  kFailedPrecondition,  // the system is not in a state that allows this (unsafe driver, ...)
  kResourceExhausted,   // rate limited or out of quota (HTTP 429); retryable
  kUnavailable,         // transient: 5xx, connection refused or reset; retryable
  kDeadlineExceeded,    // timed out; retryable
  kAborted,             // lost a race; the caller may retry the whole operation
  kCancelled,           // shutdown in progress
  kDataLoss,            // stored data is corrupt
  kUnimplemented,
  kInternal,  // a bug or an unexpected answer
};

std::string_view status_code_name(StatusCode code);

// True for codes a retry can fix (ARCHITECTURE: only workers retry, and only on these).
constexpr bool is_retryable(StatusCode code) {
  return code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded ||
         code == StatusCode::kResourceExhausted;
}

class Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool retryable() const { return is_retryable(code_); }

  // The HTTP status that produced this Status, when it came from an HTTP answer (0 otherwise).
  int http_status() const { return http_status_; }
  Status& with_http_status(int status) {
    http_status_ = status;
    return *this;
  }
  // The server's Retry-After hint, when it sent one.
  const std::optional<std::chrono::milliseconds>& retry_after() const { return retry_after_; }
  Status& with_retry_after(std::chrono::milliseconds delay) {
    retry_after_ = delay;
    return *this;
  }

  // "NOT_FOUND: driver 66... does not exist"
  std::string to_string() const;

  // Returns a copy whose message is "<context>: <message>".
  Status annotate(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  int http_status_ = 0;
  std::optional<std::chrono::milliseconds> retry_after_;
};

inline Status invalid_argument(std::string message) {
  return {StatusCode::kInvalidArgument, std::move(message)};
}
inline Status not_found(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
inline Status failed_precondition(std::string message) {
  return {StatusCode::kFailedPrecondition, std::move(message)};
}
inline Status unavailable(std::string message) {
  return {StatusCode::kUnavailable, std::move(message)};
}
inline Status internal_error(std::string message) {
  return {StatusCode::kInternal, std::move(message)};
}

}  // namespace dlexport

// Evaluates an expression yielding a Status and returns it from the enclosing function when it
// is not ok.
#define DLX_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    ::dlexport::Status dlx_status_ = (expr);      \
    if (!dlx_status_.is_ok()) return dlx_status_; \
  } while (false)
