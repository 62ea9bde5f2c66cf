#include "format/python_json.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace dlexport::format {
namespace {

// Forwards every SAX event to nlohmann's DOM builder, except integer literals that overflowed
// 64 bits: nlohmann would hand them over as doubles, Python keeps them exact.
class BigIntPreservingSax {
 public:
  explicit BigIntPreservingSax(Json& root) : dom_(root, true) {}

  bool null() { return dom_.null(); }
  bool boolean(bool b) { return dom_.boolean(b); }
  bool number_integer(Json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Json::string_t& literal) {
    if (literal.find_first_of(".eE") == std::string::npos) {
      Json::binary_t digits(std::vector<std::uint8_t>(literal.begin(), literal.end()),
                            kBigIntSubtype);
      return dom_.binary(digits);
    }
    return dom_.number_float(v, literal);
  }
  bool string(Json::string_t& s) { return dom_.string(s); }
  bool binary(Json::binary_t& b) { return dom_.binary(b); }
  bool start_object(std::size_t n) { return dom_.start_object(n); }
  bool key(Json::string_t& k) { return dom_.key(k); }
  bool end_object() { return dom_.end_object(); }
  bool start_array(std::size_t n) { return dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }
  template <typename Exception>
  bool parse_error(std::size_t pos, const std::string& token, const Exception& ex) {
    return dom_.parse_error(pos, token, ex);
  }

 private:
  nlohmann::detail::json_sax_dom_parser<Json> dom_;
};

constexpr char kHex[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned cp) {
  char buf[6] = {
      '\\',          'u', kHex[(cp >> 12) & 0xF], kHex[(cp >> 8) & 0xF], kHex[(cp >> 4) & 0xF],
      kHex[cp & 0xF]};
  out.append(buf, 6);
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when the bytes are not valid UTF-8.
std::size_t decode_utf8(std::string_view s, std::size_t i, unsigned* cp) {
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

// Bytes that can be copied as they are inside a JSON string: printable ASCII except '"' and '\\'.
struct PlainTable {
  bool plain[256] = {};
  constexpr PlainTable() {
    for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  }
};
constexpr PlainTable kPlain{};

// The fast path of parse_json(): a strict recursive-descent parser for well-formed JSON that builds
// the ordered DOM directly. nlohmann's DOM builder inserts every key through ordered_map (a linear
// search plus a vector that grows by doubling, copying const keys each time) and lexes strings one
// push_back per character; on platform pages (megabytes of annotations) that was most of an
// export's CPU. Here each object and array is allocated once at its final size from a scratch
// stack, and strings are copied in runs.
//
// It accepts a subset of what nlohmann accepts and yields identical values (same integer/unsigned/
// float kinds, big integers as kBigIntSubtype binaries). Anything else — a syntax error, a
// duplicate key, a byte-order mark, nesting deeper than kMaxDepth, a float out of double range —
// makes parse() return false, and parse_json() runs nlohmann's parser, which gives the value or the
// error message.
class FastParser {
 public:
  explicit FastParser(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool parse(Json& out) {
    skip_whitespace();
    if (!value(out, 0)) return false;
    skip_whitespace();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 256;

  void skip_whitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool word(std::string_view w) {
    if (static_cast<std::size_t>(end_ - p_) < w.size() ||
        std::memcmp(p_, w.data(), w.size()) != 0) {
      return false;
    }
    p_ += w.size();
    return true;
  }

  bool value(Json& out, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return object(out, depth);
      case '[':
        return array(out, depth);
      case '"': {
        std::string s;
        if (!string(s)) return false;
        out = Json(std::move(s));
        return true;
      }
      case 't':
        out = true;
        return word("true");
      case 'f':
        out = false;
        return word("false");
      case 'n':
        out = nullptr;
        return word("null");
      default:
        return number(out);
    }
  }

  bool object(Json& out, int depth) {
    if (depth >= kMaxDepth) return false;
    ++p_;
    skip_whitespace();
    const std::size_t key_base = keys_.size();
    const std::size_t value_base = values_.size();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      out = Json::object();
      return true;
    }
    for (;;) {
      if (p_ == end_ || *p_ != '"') return false;
      std::string key;
      if (!string(key)) return false;
      for (std::size_t i = key_base; i < keys_.size(); ++i) {
        if (keys_[i] == key) return false;  // duplicates: nlohmann's rules apply
      }
      keys_.push_back(std::move(key));
      skip_whitespace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      skip_whitespace();
      Json member;  // not values_.back(): the recursion may reallocate values_
      if (!value(member, depth + 1)) return false;
      values_.push_back(std::move(member));
      skip_whitespace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        skip_whitespace();
        continue;
      }
      if (*p_ != '}') return false;
      ++p_;
      break;
    }
    out = Json(Json::value_t::object);
    auto& members = out.get_ref<Json::object_t&>();
    members.reserve(values_.size() - value_base);
    for (std::size_t i = 0; i < values_.size() - value_base; ++i) {
      members.emplace_back(std::move(keys_[key_base + i]), std::move(values_[value_base + i]));
    }
    keys_.resize(key_base);
    values_.resize(value_base);
    return true;
  }

  bool array(Json& out, int depth) {
    if (depth >= kMaxDepth) return false;
    ++p_;
    skip_whitespace();
    const std::size_t value_base = values_.size();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      out = Json::array();
      return true;
    }
    for (;;) {
      Json element;
      if (!value(element, depth + 1)) return false;
      values_.push_back(std::move(element));
      skip_whitespace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        skip_whitespace();
        continue;
      }
      if (*p_ != ']') return false;
      ++p_;
      break;
    }
    out = Json(Json::value_t::array);
    auto& elements = out.get_ref<Json::array_t&>();
    elements.reserve(values_.size() - value_base);
    for (std::size_t i = value_base; i < values_.size(); ++i) {
      elements.push_back(std::move(values_[i]));
    }
    values_.resize(value_base);
    return true;
  }

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // The 4 hex digits after "\u" at p_ (p_ at the backslash); advances past them.
  bool u_escape(unsigned* unit) {
    if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') return false;
    unsigned value = 0;
    for (int i = 2; i < 6; ++i) {
      const int d = hex_digit(p_[i]);
      if (d < 0) return false;
      value = (value << 4) | static_cast<unsigned>(d);
    }
    p_ += 6;
    *unit = value;
    return true;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // p_ at the opening quote; leaves p_ after the closing one.
  bool string(std::string& out) {
    ++p_;
    const char* run = p_;
    for (;;) {
      while (p_ != end_ && kPlain.plain[static_cast<unsigned char>(*p_)]) ++p_;
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out.append(run, p_);
        ++p_;
        return true;
      }
      if (c == '\\') {
        out.append(run, p_);
        if (!escape(out)) return false;
        run = p_;
        continue;
      }
      if (c < 0x20) return false;
      unsigned cp;
      const std::size_t len =
          decode_utf8(std::string_view(p_, static_cast<std::size_t>(end_ - p_)), 0, &cp);
      if (len == 0) return false;
      p_ += len;
    }
  }

  // p_ at the backslash.
  bool escape(std::string& out) {
    if (end_ - p_ < 2) return false;
    switch (p_[1]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        unsigned unit;
        if (!u_escape(&unit)) return false;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a lone low surrogate
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          unsigned low;
          if (!u_escape(&low) || low < 0xDC00 || low > 0xDFFF) return false;
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(out, unit);
        return true;
      }
      default:
        return false;
    }
    p_ += 2;
    return true;
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  bool number(Json& out) {
    const char* start = p_;
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !is_digit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    bool integral = true;
    if (p_ != end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ == end_ || !is_digit(*p_)) return false;
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !is_digit(*p_)) return false;
      while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    if (integral) {
      if (*start == '-') {
        std::int64_t v = 0;
        const auto [ptr, ec] = std::from_chars(start, p_, v);
        if (ec == std::errc::result_out_of_range) {
          out = make_big_int(std::string_view(start, static_cast<std::size_t>(p_ - start)));
          return true;
        }
        if (ec != std::errc() || ptr != p_) return false;
        out = Json(static_cast<Json::number_integer_t>(v));
        return true;
      }
      std::uint64_t v = 0;
      const auto [ptr, ec] = std::from_chars(start, p_, v);
      if (ec == std::errc::result_out_of_range) {
        out = make_big_int(std::string_view(start, static_cast<std::size_t>(p_ - start)));
        return true;
      }
      if (ec != std::errc() || ptr != p_) return false;
      out = Json(static_cast<Json::number_unsigned_t>(v));
      return true;
    }
    double v = 0;
    const auto [ptr, ec] = std::from_chars(start, p_, v);
    // Out of range (overflow or underflow): nlohmann decides (an error, or 0 / a subnormal).
    if (ec != std::errc() || ptr != p_ || !std::isfinite(v)) return false;
    out = Json(static_cast<Json::number_float_t>(v));
    return true;
  }

  const char* p_;
  const char* end_;
  std::vector<std::string> keys_;  // keys of the objects being parsed, innermost last
  std::vector<Json> values_;       // members and elements being parsed, innermost last
};

}  // namespace

Result<Json> parse_json(std::string_view text, std::string_view what) {
  {
    FastParser fast(text);
    Json root;
    if (fast.parse(root)) return root;
  }
  Json root;
  BigIntPreservingSax sax(root);
  try {
    Json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const Json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    std::string message = e.what();
    if (auto pos = message.find("] "); pos != std::string::npos) message.erase(0, pos + 2);
    return invalid_argument(std::string(what) + ": " + message);
  }
  return root;
}

bool is_big_int(const Json& value) {
  return value.is_binary() && value.get_binary().has_subtype() &&
         value.get_binary().subtype() == kBigIntSubtype;
}

Json make_big_int(std::string_view digits) {
  return Json::binary(std::vector<std::uint8_t>(digits.begin(), digits.end()), kBigIntSubtype);
}

void append_python_float(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-Infinity" : "Infinity";
    return;
  }
  // Shortest round-trip digits, as Python's repr; only the notation differs from to_chars.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  bool negative = false;
  if (sci.front() == '-') {
    negative = true;
    sci.remove_prefix(1);
  }
  const std::size_t e_pos = sci.find('e');
  char digits[32];
  std::size_t ndigits = 0;
  for (std::size_t i = 0; i < e_pos; ++i) {
    if (sci[i] != '.') digits[ndigits++] = sci[i];
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e_pos + (sci[e_pos + 1] == '+' ? 2 : 1), sci.data() + sci.size(),
                  exp10);
  const int decpt = exp10 + 1;  // position of the decimal point relative to the digits
  if (negative) out += '-';
  if (decpt > -4 && decpt <= 16) {  // Python's repr switches to exponent outside this range
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out.append(digits, ndigits);
    } else if (static_cast<std::size_t>(decpt) >= ndigits) {
      out.append(digits, ndigits);
      out.append(static_cast<std::size_t>(decpt) - ndigits, '0');
      out += ".0";
    } else {
      out.append(digits, static_cast<std::size_t>(decpt));
      out += '.';
      out.append(digits + decpt, ndigits - static_cast<std::size_t>(decpt));
    }
    return;
  }
  out += digits[0];
  if (ndigits > 1) {
    out += '.';
    out.append(digits + 1, ndigits - 1);
  }
  out += 'e';
  out += exp10 < 0 ? '-' : '+';
  const int abs_exp = exp10 < 0 ? -exp10 : exp10;
  if (abs_exp < 10) out += '0';
  out += std::to_string(abs_exp);
}

// ",\n" followed by enough spaces for any sane depth, so a separator is one append.
constexpr std::size_t kMaxPadding = 256;
const char* separator_buffer() {
  static const std::string kBuffer = ",\n" + std::string(kMaxPadding, ' ');
  return kBuffer.data();
}

void JsonWriter::newline_indent(std::size_t depth) {
  const std::size_t pad = depth * static_cast<std::size_t>(style_.indent);
  if (pad <= kMaxPadding) {
    out_.append(separator_buffer() + 1, pad + 1);
  } else {
    out_ += '\n';
    out_.append(pad, ' ');
  }
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (levels_.empty()) return;
  Level& level = levels_.back();
  if (style_.indent > 0) {
    const std::size_t pad = levels_.size() * static_cast<std::size_t>(style_.indent);
    if (pad <= kMaxPadding) {
      out_.append(separator_buffer() + (level.first ? 1 : 0), pad + (level.first ? 1 : 2));
    } else {
      if (!level.first) out_ += ',';
      newline_indent(levels_.size());
    }
  } else if (!level.first) {
    out_.append(style_.tight ? std::string_view(",") : std::string_view(", "));
  }
  level.first = false;
}

void JsonWriter::open(char bracket) {
  before_value();
  out_ += bracket;
  levels_.push_back(Level{});
}

void JsonWriter::close(char bracket) {
  const bool empty = levels_.back().first;
  levels_.pop_back();
  if (!empty && style_.indent > 0) newline_indent(levels_.size());
  out_ += bracket;
}

void JsonWriter::key(std::string_view name) {
  before_value();
  write_string(name, style_.tight ? std::string_view("\":") : std::string_view("\": "));
  after_key_ = true;
}

void JsonWriter::null_value() {
  before_value();
  out_ += "null";
}

void JsonWriter::bool_value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
}

void JsonWriter::int_value(std::int64_t i) {
  before_value();
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), i);
  out_.append(buf, res.ptr);
}

void JsonWriter::float_value(double d) {
  before_value();
  append_python_float(out_, d);
}

void JsonWriter::string_value(std::string_view s) {
  before_value();
  write_string(s);
}

namespace {

// kEscape[mode][byte]: the byte cannot be copied verbatim (mode 1: ensure_ascii).
struct EscapeTable {
  bool needs[2][256] = {};
  constexpr EscapeTable() {
    for (int c = 0; c < 256; ++c) {
      const bool special = c < 0x20 || c == '"' || c == '\\';
      needs[0][c] = special || c >= 0x80;  // non-ASCII is validated, then copied
      needs[1][c] = special || c >= 0x7F;
    }
  }
};
constexpr EscapeTable kEscape;

// Kept out of line so the scan runs on registers (unsigned char reads alias everything).
std::size_t scan_plain(const unsigned char* data, std::size_t i, std::size_t n, const bool* needs) {
  while (i < n && !needs[data[i]]) ++i;
  return i;
}

}  // namespace

void JsonWriter::write_string(std::string_view s, std::string_view closing) {
  const bool* needs = kEscape.needs[style_.ensure_ascii ? 1 : 0];
  out_ += '"';
  const auto* data = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t plain_from = 0;
  std::size_t i = 0;
  while (true) {
    i = scan_plain(data, i, n, needs);
    if (i == n) break;
    const unsigned char c = data[i];
    if (c >= 0x80 && !style_.ensure_ascii) {
      unsigned cp;
      const std::size_t len = decode_utf8(s, i, &cp);
      if (len != 0) {
        i += len;
        continue;
      }
    }
    out_.append(s.data() + plain_from, i - plain_from);
    switch (c) {
      case '"':
        out_ += "\\\"";
        ++i;
        break;
      case '\\':
        out_ += "\\\\";
        ++i;
        break;
      case '\n':
        out_ += "\\n";
        ++i;
        break;
      case '\r':
        out_ += "\\r";
        ++i;
        break;
      case '\t':
        out_ += "\\t";
        ++i;
        break;
      case '\b':
        out_ += "\\b";
        ++i;
        break;
      case '\f':
        out_ += "\\f";
        ++i;
        break;
      default:
        if (c < 0x80) {
          append_u_escape(out_, c);
          ++i;
        } else {
          unsigned cp;
          std::size_t len = decode_utf8(s, i, &cp);
          if (len == 0) {  // invalid UTF-8 cannot come from a parsed document; never emit it
            cp = 0xFFFD;
            len = 1;
          }
          i += len;
          if (!style_.ensure_ascii) {
            out_ += "\xEF\xBF\xBD";
          } else if (cp >= 0x10000) {
            cp -= 0x10000;
            append_u_escape(out_, 0xD800 + (cp >> 10));
            append_u_escape(out_, 0xDC00 + (cp & 0x3FF));
          } else {
            append_u_escape(out_, cp);
          }
        }
    }
    plain_from = i;
  }
  out_.append(s.data() + plain_from, n - plain_from);
  out_.append(closing);
}

void JsonWriter::value(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      null_value();
      return;
    case Json::value_t::boolean:
      bool_value(v.get<bool>());
      return;
    case Json::value_t::number_integer:
      int_value(v.get<std::int64_t>());
      return;
    case Json::value_t::number_unsigned: {
      before_value();
      char buf[24];
      auto res = std::to_chars(buf, buf + sizeof(buf), v.get<std::uint64_t>());
      out_.append(buf, res.ptr);
      return;
    }
    case Json::value_t::number_float:
      float_value(v.get<double>());
      return;
    case Json::value_t::string:
      string_value(v.get_ref<const std::string&>());
      return;
    case Json::value_t::binary: {
      before_value();
      const auto& bytes = v.get_binary();
      if (is_big_int(v)) {
        out_.append(bytes.begin(), bytes.end());
      } else {
        out_ += "null";  // not representable in JSON; parse_json never produces it
      }
      return;
    }
    case Json::value_t::array:
      begin_array();
      for (const auto& element : v) value(element);
      end_array();
      return;
    case Json::value_t::object:
      begin_object();
      for (const auto& [k, element] : v.get_ref<const Json::object_t&>()) {
        key(k);
        value(element);
      }
      end_object();
      return;
    case Json::value_t::discarded:
      null_value();
      return;
  }
}

std::string dump_python(const Json& v, WriterStyle style) {
  std::string out;
  JsonWriter writer(out, style);
  writer.value(v);
  return out;
}

}  // namespace dlexport::format
