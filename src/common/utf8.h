#pragma once
// UTF-8 decoding shared by the JSON parser (common/json.cc) and the Python-style writer
// (format/python_json.cc). Strict: overlong forms, surrogates and code points above U+10FFFF are
// invalid, as in Python's decoder. Pure functions.

#include <cstddef>
#include <string_view>

namespace dlexport {

// Decodes the UTF-8 sequence at s[i] into *cp and returns its length in bytes (1-4), or 0 when the
// bytes there are not valid UTF-8 (then *cp is unchanged).
inline std::size_t decode_utf8(std::string_view s, std::size_t i, unsigned* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len;
  unsigned value;
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    value = b0 & 0x1Fu;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    value = b0 & 0x0Fu;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    value = b0 & 0x07u;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    value = (value << 6) | (b & 0x3Fu);
  }
  static constexpr unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kMin[len] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *cp = value;
  return len;
}

}  // namespace dlexport
