#include "common/json.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/json_lex.h"
#include "common/json_scan.h"
#include "common/utf8.h"

namespace dlexport {
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
class FastParser : private json_lex::Cursor {
 public:
  explicit FastParser(std::string_view text) : Cursor(text.data(), text.data() + text.size()) {}

  bool parse(Json& out) {
    skip_whitespace();
    if (!value(out, 0)) return false;
    skip_whitespace();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 256;

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
      bool more = false;
      if (!after_element('}', &more)) return false;
      if (!more) break;
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
      bool more = false;
      if (!after_element(']', &more)) return false;
      if (!more) break;
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

  // p_ at the opening quote; leaves p_ after the closing one.
  bool string(std::string& out) {
    ++p_;
    const char* run = p_;
    for (;;) {
      p_ += find_json_special(std::string_view(p_, static_cast<std::size_t>(end_ - p_)), 0,
                              /*escape_del=*/false);
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out.append(run, p_);
        ++p_;
        return true;
      }
      if (c == '\\') {
        out.append(run, p_);
        char decoded[4];
        std::size_t consumed = 0;
        const int n = json_lex::decode_escape(p_, end_, decoded, &consumed);
        if (n < 0) return false;
        out.append(decoded, static_cast<std::size_t>(n));
        p_ += consumed;
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

  bool number(Json& out) {
    const char* start = p_;
    bool integral = false;
    const char* stop = json_lex::scan_number(p_, end_, &integral);
    if (stop == nullptr) return false;
    p_ = stop;
    const json_lex::Number n = json_lex::number_value(start, stop, integral);
    switch (n.kind) {
      case json_lex::Number::Kind::kInt:
        out = Json(static_cast<Json::number_integer_t>(n.i));
        return true;
      case json_lex::Number::Kind::kUint:
        out = Json(static_cast<Json::number_unsigned_t>(n.u));
        return true;
      case json_lex::Number::Kind::kFloat:
        out = Json(static_cast<Json::number_float_t>(n.d));
        return true;
      case json_lex::Number::Kind::kBigInt:
        out = make_big_int(std::string_view(start, static_cast<std::size_t>(stop - start)));
        return true;
      case json_lex::Number::Kind::kInvalid:
        return false;
    }
    return false;
  }

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

}  // namespace dlexport
