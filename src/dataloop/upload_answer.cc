#include "dataloop/upload_answer.h"

#include <charconv>

namespace dlexport::dataloop {
namespace {

// Deeper answers go the full way (an item is four levels deep at most in practice).
constexpr int kMaxDepth = 64;

// Where an object sits, as far as the fields we want are concerned.
enum class Role { kOther, kTop, kMetadata, kSystem };

// A validating single-pass reader of RFC 8259 JSON that stops (false: "parse it fully") at the
// first thing that is not the plain case; see the header.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  std::optional<std::string_view> run(std::uint64_t expected_size) {
    whitespace();
    if (!at('{') || !object(Role::kTop, 1)) return std::nullopt;
    whitespace();
    if (p_ != end_ || ids_ != 1 || sizes_ != 1 || size_ != expected_size) return std::nullopt;
    return id_;
  }

 private:
  bool at(char c) const { return p_ != end_ && *p_ == c; }
  bool consume(char c) {
    if (!at(c)) return false;
    ++p_;
    return true;
  }
  void whitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  // One UTF-8 sequence at p_ (its first byte >= 0x80), well-formed per RFC 3629 (no overlong
  // forms, no surrogates, nothing above U+10FFFF), the same table the full parser applies.
  bool utf8() {
    const auto lead = static_cast<unsigned char>(*p_);
    int continuation = 0;
    unsigned char low = 0x80, high = 0xBF;  // range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      continuation = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      continuation = 2;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      continuation = 3;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (end_ - p_ <= continuation) return false;
    for (int i = 1; i <= continuation; ++i) {
      const auto c = static_cast<unsigned char>(p_[i]);
      if (c < (i == 1 ? low : 0x80) || c > (i == 1 ? high : 0xBF)) return false;
    }
    p_ += continuation + 1;
    return true;
  }

  // A string at '"'. `text` is the raw content (escapes left as they are). \u escapes are left
  // to the full parser (it pairs surrogates).
  bool string(std::string_view& text, bool& escaped) {
    ++p_;  // '"'
    const char* start = p_;
    escaped = false;
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        text = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        if (!utf8()) return false;
        continue;
      }
      if (c == '\\') {
        escaped = true;
        ++p_;
        if (p_ == end_) return false;
        switch (*p_) {
          case '"':
          case '\\':
          case '/':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
            break;
          default:
            return false;
        }
      }
      ++p_;
    }
    return false;
  }

  // A number per the JSON grammar; `integer` when it has no fraction and no exponent.
  bool number(std::string_view& text, bool& integer) {
    const char* start = p_;
    auto digits = [this] {
      const char* from = p_;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ != from;
    };
    consume('-');
    if (consume('0')) {
      if (p_ != end_ && *p_ >= '0' && *p_ <= '9') return false;  // no leading zeros
    } else if (!digits()) {
      return false;
    }
    integer = true;
    if (consume('.')) {
      integer = false;
      if (!digits()) return false;
    }
    if (at('e') || at('E')) {
      integer = false;
      ++p_;
      if (!consume('+')) consume('-');
      if (!digits()) return false;
    }
    text = std::string_view(start, static_cast<std::size_t>(p_ - start));
    return true;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // Any value; `role` is the role it has if it is an object.
  bool value(Role role, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return object(role, depth + 1);
      case '[':
        return array(depth + 1);
      case '"': {
        std::string_view text;
        bool escaped = false;
        return string(text, escaped);
      }
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default: {
        std::string_view text;
        bool integer = false;
        // An exponent may be out of range, which the full parser has its own rules for.
        return number(text, integer) && text.find_first_of("eE") == std::string_view::npos;
      }
    }
  }

  bool array(int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '['
    whitespace();
    if (consume(']')) return true;
    for (;;) {
      whitespace();
      if (!value(Role::kOther, depth)) return false;
      whitespace();
      if (consume(',')) continue;
      return consume(']');
    }
  }

  bool object(Role role, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '{'
    whitespace();
    if (consume('}')) return true;
    for (;;) {
      whitespace();
      std::string_view key;
      bool escaped = false;
      if (!at('"') || !string(key, escaped) || escaped) return false;
      whitespace();
      if (!consume(':')) return false;
      whitespace();
      if (!member(role, key, depth)) return false;
      whitespace();
      if (consume(',')) continue;
      return consume('}');
    }
  }

  // The value of member `key` of an object with `role`.
  bool member(Role role, std::string_view key, int depth) {
    if (role == Role::kTop && key == "id") {
      bool escaped = false;
      if (++ids_ > 1 || !at('"') || !string(id_, escaped)) return false;
      return !escaped && !id_.empty();
    }
    if (role == Role::kSystem && key == "size") {
      std::string_view text;
      bool integer = false;
      if (++sizes_ > 1 || !number(text, integer) || !integer) return false;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), size_);
      return error == std::errc() && end == text.data() + text.size();
    }
    Role child = Role::kOther;
    if (role == Role::kTop && key == "metadata") {
      if (++metadata_ > 1) return false;
      child = Role::kMetadata;
    } else if (role == Role::kMetadata && key == "system") {
      if (++system_ > 1) return false;
      child = Role::kSystem;
    }
    return value(child, depth);
  }

  const char* p_;
  const char* const end_;
  int ids_ = 0, sizes_ = 0, metadata_ = 0, system_ = 0;
  std::string_view id_;
  std::uint64_t size_ = 0;
};

}  // namespace

std::optional<std::string_view> quick_upload_answer(std::string_view body,
                                                    std::uint64_t expected_size) {
  return Scanner(body).run(expected_size);
}

}  // namespace dlexport::dataloop
