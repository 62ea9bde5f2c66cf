#pragma once
// ObjectId and IdClock: the emulator's 24-hex ids, strictly increasing in creation order.
//
// The SDK pages with `id $gt <last id>`, so ids must sort like creation order, as Mongo
// ObjectIds roughly do on the platform. IdClock hands out ids from a 96-bit counter and can be
// advanced past ids loaded from fixtures so later ids sort after them. Not thread-safe: the
// Store calls it under its lock.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace dlexport::emulator {

// A 96-bit id; compares like its lowercase 24-hex form.
struct ObjectId {
  std::uint32_t hi = 0;
  std::uint64_t lo = 0;

  // Accepts exactly 24 hex digits (either case).
  static std::optional<ObjectId> parse(std::string_view text);
  std::string hex() const;

  friend auto operator<=>(const ObjectId&, const ObjectId&) = default;
};

struct ObjectIdHash {
  std::size_t operator()(const ObjectId& id) const {
    return std::hash<std::uint64_t>()(id.lo ^ (std::uint64_t{id.hi} << 17));
  }
};

class IdClock {
 public:
  // Ids start just above 0x660000000000000000000000 so they look like 2024-era ObjectIds.
  IdClock();

  ObjectId next();
  // Makes later ids sort after `seen` (no-op for ids already below the clock).
  void advance_past(const ObjectId& seen);
  // Same for a string id; ids that are not 24-hex are ignored.
  void advance_past(std::string_view seen);

 private:
  ObjectId last_;
};

}  // namespace dlexport::emulator
