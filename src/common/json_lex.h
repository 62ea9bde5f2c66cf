#pragma once
// The lexical pieces of JSON (RFC 8259) that dlexport's own readers share: parse_json()'s fast
// path (common/json.cc, the Json DOM), JsonDoc (common/json_doc.cc, the flat document) and the
// quick reading of upload answers (dataloop/upload_answer.cc). Strict: what is not accepted here
// is left to each reader's fallback, nlohmann's parser, which gives the error message.
// Pure functions over [p, end); nothing is read past end.

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace dlexport::json_lex {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A reading position in JSON text and the structural steps both parsers take. Parsers derive from
// it and move p_ themselves for the rest.
class Cursor {
 protected:
  Cursor(const char* p, const char* end) : p_(p), end_(end) {}

  void skip_whitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  // Past `w` ("true", "false", "null") when it is at p_.
  bool word(std::string_view w) {
    if (static_cast<std::size_t>(end_ - p_) < w.size() ||
        std::memcmp(p_, w.data(), w.size()) != 0) {
      return false;
    }
    p_ += w.size();
    return true;
  }

  // After an array element or object member (whitespace allowed around): past a ',' with *more
  // set, or past `close` with *more cleared; false on anything else.
  bool after_element(char close, bool* more) {
    skip_whitespace();
    if (p_ == end_) return false;
    if (*p_ == ',') {
      ++p_;
      skip_whitespace();
      *more = true;
      return true;
    }
    if (*p_ != close) return false;
    ++p_;
    *more = false;
    return true;
  }

  const char* p_;
  const char* end_;
};

// The end of the number literal at p (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?), or nullptr
// when p does not start one. *integral: no fraction and no exponent. A digit right after a
// leading 0 ends the literal there (the caller then finds an unexpected character).
inline const char* scan_number(const char* p, const char* end, bool* integral) {
  if (p != end && *p == '-') ++p;
  if (p == end || !is_digit(*p)) return nullptr;
  if (*p == '0') {
    ++p;
  } else {
    while (p != end && is_digit(*p)) ++p;
  }
  *integral = true;
  if (p != end && *p == '.') {
    *integral = false;
    ++p;
    if (p == end || !is_digit(*p)) return nullptr;
    while (p != end && is_digit(*p)) ++p;
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    *integral = false;
    ++p;
    if (p != end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !is_digit(*p)) return nullptr;
    while (p != end && is_digit(*p)) ++p;
  }
  return p;
}

// A number literal's value with the kinds parse_json() keeps apart.
struct Number {
  enum class Kind {
    kInt,      // negative, fits int64
    kUint,     // non-negative, fits uint64
    kFloat,    // fraction or exponent, a finite double
    kBigInt,   // an integer beyond 64 bits: keep the literal's digits
    kInvalid,  // a float out of double range: the fallback decides (an error, 0 or a subnormal)
  };
  Kind kind = Kind::kInvalid;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double d = 0;
};

// The value of the literal [start, stop) that scan_number() found.
inline Number number_value(const char* start, const char* stop, bool integral) {
  Number n;
  if (integral) {
    if (*start == '-') {
      const auto [ptr, ec] = std::from_chars(start, stop, n.i);
      n.kind = ec == std::errc::result_out_of_range ? Number::Kind::kBigInt
               : ec == std::errc() && ptr == stop   ? Number::Kind::kInt
                                                    : Number::Kind::kInvalid;
      return n;
    }
    const auto [ptr, ec] = std::from_chars(start, stop, n.u);
    n.kind = ec == std::errc::result_out_of_range ? Number::Kind::kBigInt
             : ec == std::errc() && ptr == stop   ? Number::Kind::kUint
                                                  : Number::Kind::kInvalid;
    return n;
  }
  const auto [ptr, ec] = std::from_chars(start, stop, n.d);
  n.kind = ec == std::errc() && ptr == stop && std::isfinite(n.d) ? Number::Kind::kFloat
                                                                  : Number::Kind::kInvalid;
  return n;
}

// The single-character escapes after a backslash, other than \u: their decoded byte, or -1.
inline int simple_escape(char c) {
  switch (c) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '/':
      return '/';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return -1;
  }
}

// The UTF-8 encoding of code point cp at w; returns the end (at most 4 bytes written).
inline char* put_utf8(char* w, unsigned cp) {
  if (cp < 0x80) {
    *w++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *w++ = static_cast<char>(0xC0 | (cp >> 6));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *w++ = static_cast<char>(0xE0 | (cp >> 12));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *w++ = static_cast<char>(0xF0 | (cp >> 18));
    *w++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *w++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *w++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return w;
}

// The code unit of "\uXXXX" at p (p at the backslash), or -1.
inline long u_escape(const char* p, const char* end) {
  if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return -1;
  long value = 0;
  for (int i = 2; i < 6; ++i) {
    const char c = p[i];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return -1;
    value = (value << 4) | digit;
  }
  return value;
}

// Decodes the escape at p (a backslash) into out (1 to 4 UTF-8 bytes) and returns the number of
// bytes written, with *consumed set to the escape's length (2, 6, or 12 for a surrogate pair);
// -1 for an unknown escape, bad hex digits or a lone surrogate. out may be where p points only
// if the caller copies out of a scratch buffer: it is written after the escape is read.
inline int decode_escape(const char* p, const char* end, char* out, std::size_t* consumed) {
  if (end - p < 2) return -1;
  if (p[1] != 'u') {
    const int c = simple_escape(p[1]);
    if (c < 0) return -1;
    *out = static_cast<char>(c);
    *consumed = 2;
    return 1;
  }
  const long unit = u_escape(p, end);
  if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return -1;  // a lone low surrogate
  auto cp = static_cast<unsigned>(unit);
  *consumed = 6;
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    const long low = u_escape(p + 6, end);
    if (low < 0xDC00 || low > 0xDFFF) return -1;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<unsigned>(low) - 0xDC00);
    *consumed = 12;
  }
  return static_cast<int>(put_utf8(out, cp) - out);
}

}  // namespace dlexport::json_lex
