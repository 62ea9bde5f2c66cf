#pragma once
// The JSON value type used across dlexport. Ordered, because the platform's key order is part of
// what we reproduce byte for byte (format/) and what the emulator serves.

#include <nlohmann/json.hpp>

namespace dlexport {
using Json = nlohmann::ordered_json;
}  // namespace dlexport
