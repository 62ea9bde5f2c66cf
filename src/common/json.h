#pragma once
// The JSON value type used across dlexport. Ordered, because the platform's key order is part of
// what we reproduce byte for byte (format/) and what the emulator serves.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/result.h"

namespace dlexport {

using Json = nlohmann::ordered_json;

// Binary subtype marking an integer literal too large for int64/uint64 (digits kept verbatim).
// Python keeps such integers exact, so the export formats must too; JSON text never produces
// binary values, so the encoding is unambiguous.
inline constexpr std::uint64_t kBigIntSubtype = 0x4249;  // "BI"

// Parses JSON text like Python's json module would keep it: integers beyond 64 bits become big
// ints (above), duplicate keys keep the first position and the last value. `what` names the input
// in the error ("item.json: parse error at line 3, column 7: ..."). Never throws. Use this for
// everything that may end up in an export file (platform items and annotations).
Result<Json> parse_json(std::string_view text, std::string_view what);

// True for a big integer produced by parse_json.
bool is_big_int(const Json& value);
// A Json value holding the integer literal `digits` (e.g. "123456789012345678901234567890").
Json make_big_int(std::string_view digits);

}  // namespace dlexport
