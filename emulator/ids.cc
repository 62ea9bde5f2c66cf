#include "emulator/ids.h"

namespace dlexport::emulator {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<ObjectId> ObjectId::parse(std::string_view text) {
  if (text.size() != 24) return std::nullopt;
  ObjectId id;
  for (std::size_t i = 0; i < 24; ++i) {
    int v = hex_value(text[i]);
    if (v < 0) return std::nullopt;
    auto nibble = static_cast<std::uint64_t>(v);
    if (i < 8) {
      id.hi = static_cast<std::uint32_t>((id.hi << 4) | nibble);
    } else {
      id.lo = (id.lo << 4) | nibble;
    }
  }
  return id;
}

std::string ObjectId::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(24, '0');
  for (int i = 7; i >= 0; --i)
    out[static_cast<std::size_t>(7 - i)] = kDigits[(hi >> (4 * i)) & 0xf];
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(8 + 15 - i)] = kDigits[(lo >> (4 * i)) & 0xf];
  }
  return out;
}

IdClock::IdClock() : last_{0x66000000u, 0} {}

ObjectId IdClock::next() {
  if (++last_.lo == 0) ++last_.hi;
  return last_;
}

void IdClock::advance_past(const ObjectId& seen) {
  if (last_ < seen) last_ = seen;
}

void IdClock::advance_past(std::string_view seen) {
  if (auto id = ObjectId::parse(seen)) advance_past(*id);
}

}  // namespace dlexport::emulator
