#pragma once
// Result<T>: a value or a non-ok Status, shaped like C++23 std::expected<T, Status> (which GCC 12
// lacks). Accessing value() of an error Result is a bug and aborts.

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/status.h"

namespace dlexport {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cvref_t<T>, Status>, "use Status directly");

 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT: implicit
    if (std::get<1>(state_).is_ok()) std::abort();  // an ok Status carries no value
  }

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return check(), std::get<0>(state_); }
  const T& value() const& { return check(), std::get<0>(state_); }
  T&& value() && { return check(), std::move(std::get<0>(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error; ok when this holds a value.
  Status status() const { return has_value() ? Status() : std::get<1>(state_); }
  const Status& error() const& { return std::get<1>(state_); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void check() const {
    if (!has_value()) std::abort();
  }
  std::variant<T, Status> state_;
};

}  // namespace dlexport

#define DLX_CONCAT_INNER_(a, b) a##b
#define DLX_CONCAT_(a, b) DLX_CONCAT_INNER_(a, b)
// DLX_ASSIGN_OR_RETURN(auto x, make_x()); returns the Status from the enclosing function on error.
#define DLX_ASSIGN_OR_RETURN(lhs, expr) \
  DLX_ASSIGN_OR_RETURN_IMPL_(DLX_CONCAT_(dlx_result_, __LINE__), lhs, expr)
#define DLX_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.has_value()) return tmp.error();        \
  lhs = std::move(tmp).value()
