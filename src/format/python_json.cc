#include "format/python_json.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace dlexport::format {
namespace {

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

}  // namespace

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
