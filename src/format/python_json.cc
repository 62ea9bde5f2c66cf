#include "format/python_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/json_scan.h"
#include "common/utf8.h"

namespace dlexport::format {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// The longest repr() is 24 characters ("-2.2250738585072014e-308").
constexpr std::size_t kMaxFloatChars = 32;

char* write_u_escape(char* p, unsigned cp) {
  p[0] = '\\';
  p[1] = 'u';
  p[2] = kHex[(cp >> 12) & 0xF];
  p[3] = kHex[(cp >> 8) & 0xF];
  p[4] = kHex[(cp >> 4) & 0xF];
  p[5] = kHex[cp & 0xF];
  return p + 6;
}

char* write_chars(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// ",\n" and then enough spaces for any sane depth: a separator with its indentation is one copy.
constexpr std::size_t kMaxPadding = 256;
const char* separator_buffer() {
  static const std::string kBuffer = ",\n" + std::string(kMaxPadding, ' ');
  return kBuffer.data();
}

// Python's repr() of a float at p (room for kMaxFloatChars); returns the end.
// The fast path of write_python_float() for the values annotations are made of: coordinates with
// at most four decimals, below 1e9 in magnitude. If k / 10^4 (k an integer) rounds to exactly
// `value`, then the decimal k / 10^4 reads back as `value`, and since doubles below 1e9 are spaced
// far closer than 10^-4, no other decimal with four or fewer decimals does: so its digits, trailing
// zeros trimmed, are the shortest round-trip digits that repr() prints, in its fixed notation.
// Returns nullptr when the value is not of that form (the general path then applies).
char* write_short_decimal(char* p, double value) {
  constexpr double kScale = 10000.0;
  if (!(std::fabs(value) < 1e9) || value == 0.0) return nullptr;  // 0.0 and -0.0: general path
  const double scaled = value * kScale;
  const auto k = static_cast<std::int64_t>(std::llround(scaled));
  if (static_cast<double>(k) / kScale != value) return nullptr;
  std::uint64_t magnitude = k < 0 ? static_cast<std::uint64_t>(-k) : static_cast<std::uint64_t>(k);
  if (k < 0) *p++ = '-';
  const std::uint64_t whole = magnitude / 10000;
  auto fraction = static_cast<unsigned>(magnitude % 10000);
  p = std::to_chars(p, p + 20, whole).ptr;
  *p++ = '.';
  int digits = 4;
  while (digits > 1 && fraction % 10 == 0) {
    fraction /= 10;
    --digits;
  }
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  return p + digits;
}

char* write_python_float(char* p, double value) {
  if (std::isnan(value)) return write_chars(p, "NaN");
  if (std::isinf(value)) return write_chars(p, value < 0 ? "-Infinity" : "Infinity");
  if (char* end = write_short_decimal(p, value)) return end;
  // Shortest round-trip digits, as Python's repr; only the notation differs from to_chars.
  char buf[kMaxFloatChars];
  auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  if (sci.front() == '-') {
    *p++ = '-';
    sci.remove_prefix(1);
  }
  const std::size_t e_pos = sci.find('e');
  char digits[kMaxFloatChars];
  std::size_t ndigits = 0;
  for (std::size_t i = 0; i < e_pos; ++i) {
    if (sci[i] != '.') digits[ndigits++] = sci[i];
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e_pos + (sci[e_pos + 1] == '+' ? 2 : 1), sci.data() + sci.size(),
                  exp10);
  const int decpt = exp10 + 1;      // position of the decimal point relative to the digits
  if (decpt > -4 && decpt <= 16) {  // Python's repr switches to exponent outside this range
    if (decpt <= 0) {
      p = write_chars(p, "0.");
      p = std::fill_n(p, -decpt, '0');
      return write_chars(p, {digits, ndigits});
    }
    const auto point = static_cast<std::size_t>(decpt);
    if (point >= ndigits) {
      p = write_chars(p, {digits, ndigits});
      p = std::fill_n(p, point - ndigits, '0');
      return write_chars(p, ".0");
    }
    p = write_chars(p, {digits, point});
    *p++ = '.';
    return write_chars(p, {digits + point, ndigits - point});
  }
  *p++ = digits[0];
  if (ndigits > 1) {
    *p++ = '.';
    p = write_chars(p, {digits + 1, ndigits - 1});
  }
  *p++ = 'e';
  *p++ = exp10 < 0 ? '-' : '+';
  const int abs_exp = exp10 < 0 ? -exp10 : exp10;
  if (abs_exp < 10) *p++ = '0';
  return std::to_chars(p, p + 4, abs_exp).ptr;
}

}  // namespace

void append_python_float(std::string& out, double value) {
  char buf[kMaxFloatChars];
  out.append(buf, write_python_float(buf, value));
}

JsonWriter::JsonWriter(WriterStyle style, std::size_t size_hint)
    : style_(style), buf_(new char[size_hint]), capacity_(size_hint) {}

void JsonWriter::grow(std::size_t n) {
  const std::size_t capacity = std::max(capacity_ * 2, len_ + n);
  std::unique_ptr<char[]> bigger(new char[capacity]);
  if (len_ > 0) std::memcpy(bigger.get(), buf_.get(), len_);
  buf_ = std::move(bigger);
  capacity_ = capacity;
}

std::string JsonWriter::take() {
  std::string text(buf_.get(), len_);
  len_ = 0;
  depth_ = 0;
  first_ = true;
  after_key_ = false;
  return text;
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ == 0) return;
  if (style_.indent > 0) {
    const std::size_t pad = depth_ * static_cast<std::size_t>(style_.indent);
    if (pad <= kMaxPadding) {
      put(std::string_view(separator_buffer() + (first_ ? 1 : 0), pad + (first_ ? 1 : 2)));
    } else {
      char* p = room(pad + 2);
      if (!first_) *p++ = ',';
      *p++ = '\n';
      commit(std::fill_n(p, pad, ' '));
    }
  } else if (!first_) {
    put(style_.tight ? std::string_view(",") : std::string_view(", "));
  }
  first_ = false;
}

void JsonWriter::open(char bracket) {
  before_value();
  put(bracket);
  ++depth_;
  first_ = true;
}

void JsonWriter::close(char bracket) {
  const bool empty = first_;
  --depth_;
  if (!empty && style_.indent > 0) {
    const std::size_t pad = depth_ * static_cast<std::size_t>(style_.indent);
    if (pad <= kMaxPadding) {
      put(std::string_view(separator_buffer() + 1, pad + 1));
    } else {
      char* p = room(pad + 1);
      *p++ = '\n';
      commit(std::fill_n(p, pad, ' '));
    }
  }
  put(bracket);
  first_ = false;  // the container just closed is a value of its parent
}

void JsonWriter::key(JsonKey name) {
  before_value();
  const std::string_view closing =
      style_.tight ? std::string_view("\":") : std::string_view("\": ");
  if (name.verbatim()) {
    const std::string_view text = name.text();
    char* p = room(text.size() + 1 + closing.size());
    *p++ = '"';
    commit(copy_bytes(copy_bytes(p, text), closing));
  } else {
    write_string(name.text(), closing);
  }
  after_key_ = true;
}

void JsonWriter::null_value() {
  before_value();
  put("null");
}

void JsonWriter::bool_value(bool b) {
  before_value();
  put(b ? std::string_view("true") : std::string_view("false"));
}

void JsonWriter::int_value(std::int64_t i) {
  before_value();
  char* p = room(24);
  commit(std::to_chars(p, p + 24, i).ptr);
}

void JsonWriter::float_value(double d) {
  before_value();
  commit(write_python_float(room(kMaxFloatChars), d));
}

void JsonWriter::string_value(std::string_view s) {
  before_value();
  write_string(s, "\"");
}

void JsonWriter::write_string(std::string_view s, std::string_view closing) {
  const std::size_t plain = find_json_special(s, 0, style_.ensure_ascii);
  char* p = room(plain + 1 + closing.size());
  *p++ = '"';
  p = copy_bytes(p, s.substr(0, plain));
  if (plain == s.size()) {
    commit(copy_bytes(p, closing));
    return;
  }
  commit(p);
  write_escaped(s, plain);
  put(closing);
}

// The rest of a string from the first byte that needs attention; the opening quote and the plain
// prefix are written.
void JsonWriter::write_escaped(std::string_view s, std::size_t i) {
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 && !style_.ensure_ascii) {  // valid UTF-8 is copied as it is
      unsigned cp;
      const std::size_t len = decode_utf8(s, i, &cp);
      if (len != 0) {
        put(s.substr(i, len));
        i += len;
      } else {  // invalid UTF-8 cannot come from a parsed document; never emit it
        put("\xEF\xBF\xBD");
        ++i;
      }
    } else {
      // Room for the longest escape: a surrogate pair, 12 bytes.
      char* p = room(12);
      switch (c) {
        case '"':
          p = write_chars(p, "\\\"");
          break;
        case '\\':
          p = write_chars(p, "\\\\");
          break;
        case '\n':
          p = write_chars(p, "\\n");
          break;
        case '\r':
          p = write_chars(p, "\\r");
          break;
        case '\t':
          p = write_chars(p, "\\t");
          break;
        case '\b':
          p = write_chars(p, "\\b");
          break;
        case '\f':
          p = write_chars(p, "\\f");
          break;
        default:
          if (c < 0x80) {
            p = write_u_escape(p, c);
          } else {
            unsigned cp;
            std::size_t len = decode_utf8(s, i, &cp);
            if (len == 0) {  // invalid UTF-8 cannot come from a parsed document; never emit it
              cp = 0xFFFD;
              len = 1;
            }
            i += len - 1;
            if (cp >= 0x10000) {
              cp -= 0x10000;
              p = write_u_escape(p, 0xD800 + (cp >> 10));
              p = write_u_escape(p, 0xDC00 + (cp & 0x3FF));
            } else {
              p = write_u_escape(p, cp);
            }
          }
      }
      commit(p);
      ++i;
    }
    const std::size_t plain = find_json_special(s, i, style_.ensure_ascii);
    put(s.substr(i, plain - i));
    i = plain;
  }
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
      char* p = room(24);
      commit(std::to_chars(p, p + 24, v.get<std::uint64_t>()).ptr);
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
        char* p = room(bytes.size());
        commit(std::copy(bytes.begin(), bytes.end(), p));
      } else {
        put("null");  // not representable in JSON; parse_json never produces it
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

void JsonWriter::value(const JsonNode& v) {
  switch (v.type()) {
    case JsonNode::Type::kNull:
      null_value();
      return;
    case JsonNode::Type::kBool:
      bool_value(v.bool_value());
      return;
    case JsonNode::Type::kInt:
      int_value(v.int_value());
      return;
    case JsonNode::Type::kUint: {
      before_value();
      char* p = room(24);
      commit(std::to_chars(p, p + 24, v.uint_value()).ptr);
      return;
    }
    case JsonNode::Type::kFloat:
      float_value(v.float_value());
      return;
    case JsonNode::Type::kBigInt:
      before_value();
      put(v.string());
      return;
    case JsonNode::Type::kString:
      string_value(v.string());
      return;
    case JsonNode::Type::kArray:
      begin_array();
      for (const JsonNode& element : v.children()) value(element);
      end_array();
      return;
    case JsonNode::Type::kObject:
      begin_object();
      for (const JsonNode& member : v.children()) {
        key(member.key());
        value(member);
      }
      end_object();
      return;
  }
}

std::string dump_python(const Json& v, WriterStyle style) {
  JsonWriter writer(style);
  writer.value(v);
  return writer.take();
}

}  // namespace dlexport::format
