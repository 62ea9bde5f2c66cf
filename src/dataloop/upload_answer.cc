#include "dataloop/upload_answer.h"

#include <charconv>

#include "common/json_lex.h"
#include "common/json_scan.h"
#include "common/utf8.h"

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

  // A string at '"'. `text` is the raw content (escapes left as they are). UTF-8 is checked as
  // the full parser checks it; \u escapes are left to the full parser (it pairs surrogates).
  bool string(std::string_view& text, bool& escaped) {
    ++p_;  // '"'
    const std::string_view rest(p_, static_cast<std::size_t>(end_ - p_));
    escaped = false;
    for (std::size_t i = 0;;) {
      i = find_json_special(rest, i, /*escape_del=*/false);
      if (i == rest.size()) return false;
      const auto c = static_cast<unsigned char>(rest[i]);
      if (c == '"') {
        text = rest.substr(0, i);
        p_ += i + 1;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        escaped = true;
        if (i + 1 == rest.size() || json_lex::simple_escape(rest[i + 1]) < 0) return false;
        i += 2;
        continue;
      }
      unsigned code_point = 0;
      const std::size_t length = decode_utf8(rest, i, &code_point);
      if (length == 0) return false;
      i += length;
    }
  }

  // A number per the JSON grammar; `integer` when it has no fraction and no exponent.
  bool number(std::string_view& text, bool& integer) {
    const char* stop = json_lex::scan_number(p_, end_, &integer);
    if (stop == nullptr) return false;
    text = std::string_view(p_, static_cast<std::size_t>(stop - p_));
    p_ = stop;
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
