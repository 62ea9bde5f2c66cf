#pragma once
// Finding the bytes of a JSON string's content that need attention: the parser (common/json.cc)
// copies everything before them in one run, the writer (format/python_json.cc) likewise. Strings
// are most of the bytes of platform JSON, so this is the hot loop of both. Pure functions.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace dlexport {

namespace json_scan_detail {

// Bytes find_json_special() stops at, for short strings: [0] without escape_del, [1] with it.
struct JsonSpecialTable {
  bool needs[2][256] = {};
  constexpr JsonSpecialTable() {
    for (int c = 0; c < 256; ++c) {
      const bool special = c < 0x20 || c == '"' || c == '\\';
      needs[0][c] = special || c >= 0x80;
      needs[1][c] = special || c >= 0x7F;
    }
  }
};
inline constexpr JsonSpecialTable kJsonSpecial;

}  // namespace json_scan_detail

// The index of the first byte of s at or after i that cannot be copied as it is, or s.size():
// '"', '\\', control characters and non-ASCII bytes (with escape_del also DEL, 0x7F, which
// Python's ensure_ascii escapes). A writer escapes what it finds; a parser decodes escapes and
// validates UTF-8 there. Sixteen bytes per step with SSE2, else eight (SWAR: for each test the
// lowest flagged byte of a word is exact, since a borrow only flags bytes above a true hit, so the
// lowest bit of the union is the first byte that needs attention).
inline std::size_t find_json_special(std::string_view s, std::size_t i, bool escape_del) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const auto has_zero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const auto hits_in = [&](std::uint64_t w) {
    std::uint64_t hits = ((w - kOnes * 0x20) & ~w & kHigh)  // < 0x20
                         | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\')) |
                         (w & kHigh);  // >= 0x80
    if (escape_del) hits |= has_zero(w ^ (kOnes * 0x7F));
    return hits;
  };
  const std::size_t n = s.size();
  const char* data = s.data();
#ifdef __SSE2__
  // Sixteen bytes per step. A signed "< 0x20" also catches every byte >= 0x80.
  const auto mask_of = [&](const char* at) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    __m128i flagged = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
    if (escape_del) flagged = _mm_or_si128(flagged, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
    return static_cast<unsigned>(_mm_movemask_epi8(flagged));
  };
  for (; i + 16 <= n; i += 16) {
    if (const unsigned mask = mask_of(data + i)) {
      return i + static_cast<std::size_t>(__builtin_ctz(mask));
    }
  }
  if (i < n && n >= 16) {  // the last 1-15 bytes: reload the last 16, drop the bytes seen
    const unsigned mask = mask_of(data + n - 16) >> (16 - (n - i));
    return mask == 0 ? n : i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, data + i, 8);
    if (const std::uint64_t hits = hits_in(w)) {
      return i + static_cast<std::size_t>(__builtin_ctzll(hits) / 8);
    }
  }
  const std::size_t rest = n - i;
  if (rest == 0) return n;
  if (n < 8) {  // a short string (most keys): a table lookup per byte
    const bool* needs = json_scan_detail::kJsonSpecial.needs[escape_del ? 1 : 0];
    while (i < n && !needs[static_cast<unsigned char>(data[i])]) ++i;
    return i;
  }
  // The last 1-7 bytes of a longer string: its last 8 reloaded and shifted down, padded with 'a'
  // (never flagged).
  std::uint64_t w;
  std::memcpy(&w, data + n - 8, 8);
  w >>= 8 * (8 - rest);
  w |= (kOnes * 'a') << (8 * rest);
  const std::uint64_t hits = hits_in(w);
  return hits == 0 ? n : i + static_cast<std::size_t>(__builtin_ctzll(hits) / 8);
}

}  // namespace dlexport
