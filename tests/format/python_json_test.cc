#include "format/python_json.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "common/utf8.h"

namespace dlexport::format {
namespace {

std::string repr(double d) {
  std::string out;
  append_python_float(out, d);
  return out;
}

// Expected strings are Python 3.11's repr()/json.dumps() of the same doubles.
TEST(PythonFloat, MatchesPythonRepr) {
  EXPECT_EQ(repr(0.1), "0.1");
  EXPECT_EQ(repr(1e16), "1e+16");
  EXPECT_EQ(repr(1e15), "1000000000000000.0");
  EXPECT_EQ(repr(1e-05), "1e-05");
  EXPECT_EQ(repr(0.0001), "0.0001");
  EXPECT_EQ(repr(123456789012345680.0), "1.2345678901234568e+17");
  EXPECT_EQ(repr(12345678901234567.0), "1.2345678901234568e+16");
  EXPECT_EQ(repr(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(repr(5e-324), "5e-324");
  EXPECT_EQ(repr(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(repr(-0.0), "-0.0");
  EXPECT_EQ(repr(0.0), "0.0");
  EXPECT_EQ(repr(110.0), "110.0");
  EXPECT_EQ(repr(1e21), "1e+21");
  EXPECT_EQ(repr(1e22), "1e+22");
  EXPECT_EQ(repr(1e-7), "1e-07");
  EXPECT_EQ(repr(2.5), "2.5");
  EXPECT_EQ(repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(repr(1.5e-05), "1.5e-05");
  EXPECT_EQ(repr(-1.5e-10), "-1.5e-10");
  EXPECT_EQ(repr(123.456), "123.456");
  EXPECT_EQ(repr(9007199254740992.0), "9007199254740992.0");
  EXPECT_EQ(repr(0.000123), "0.000123");
  EXPECT_EQ(repr(1234567.0), "1234567.0");
  EXPECT_EQ(repr(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(repr(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(repr(std::nan("")), "NaN");
}

// repr() of a finite double in fixed notation is the shortest round-trip digits (std::to_chars)
// placed around the decimal point. Checked digit for digit over the values the short-decimal fast
// path takes (k / 10^p) and its edges, and over arbitrary doubles.
void expect_repr_is_shortest(double d) {
  const std::string text = repr(d);
  ASSERT_EQ(std::strtod(text.c_str(), nullptr), d) << text;
  char sci[64];
  const auto res = std::to_chars(sci, sci + sizeof(sci), d, std::chars_format::scientific);
  const std::string_view want(sci, static_cast<std::size_t>(res.ptr - sci));
  const std::size_t e = want.find('e');
  const int exponent = std::stoi(std::string(want.substr(e + 1)));
  std::string want_digits;
  for (const char c : want.substr(0, e)) {
    if (c >= '0' && c <= '9') want_digits += c;
  }
  if (exponent < -4 || exponent >= 16) {
    EXPECT_NE(text.find('e'), std::string::npos) << text;
    return;
  }
  ASSERT_EQ(text.find('e'), std::string::npos) << text;
  if (d == 0) return;      // no significant digits; "0.0" and "-0.0" are in MatchesPythonRepr
  std::string got_digits;  // the significant digits: no sign, point or leading zeros
  for (const char c : text) {
    if (c >= '0' && c <= '9' && !(got_digits.empty() && c == '0')) got_digits += c;
  }
  // repr writes "110.0" for 1.1e2: zeros after the last significant digit are notation.
  while (got_digits.size() > want_digits.size() && got_digits.back() == '0') got_digits.pop_back();
  EXPECT_EQ(got_digits, want_digits) << text << " for " << want;
  const std::size_t sign = text[0] == '-' ? 1 : 0;
  const std::string whole = text.substr(sign, text.find('.') - sign);
  if (exponent >= 0) {
    EXPECT_EQ(whole.size(), static_cast<std::size_t>(exponent) + 1) << text;
  } else {
    EXPECT_EQ(whole, "0") << text;
  }
}

TEST(PythonFloat, FixedNotationCarriesTheShortestRoundTripDigits) {
  std::mt19937_64 rng(20261205);
  static constexpr double kPowers[] = {1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7};
  for (int i = 0; i < 200000; ++i) {
    const auto k = static_cast<std::int64_t>(rng() % (1ULL << (rng() % 50 + 1)));
    const double decimal = static_cast<double>(rng() % 2 == 0 ? k : -k) / kPowers[rng() % 8];
    ASSERT_NO_FATAL_FAILURE(expect_repr_is_shortest(decimal));
    const std::uint64_t bits = rng();
    double any;
    std::memcpy(&any, &bits, sizeof(any));
    if (std::isfinite(any)) {
      ASSERT_NO_FATAL_FAILURE(expect_repr_is_shortest(any));
    }
  }
  for (const double d : {0.0001, 0.0005, 5e-5, 0.1, 0.3, -0.05, 110.0, 1691.15, 123456.789,
                         999999999.9999, 1e9 - 0.0001, 1e9, 1e9 + 0.5}) {
    expect_repr_is_shortest(d);
  }
  EXPECT_EQ(repr(1691.15), "1691.15");
  EXPECT_EQ(repr(-0.0005), "-0.0005");
  EXPECT_EQ(repr(999999999.9999), "999999999.9999");
}

TEST(PythonJson, EnsureAsciiEscapesLikePython) {
  // json.dumps("\u00e9\U0001F600\x7f\x00\x1f\u2028\ufeff\"\\\n\t\b\f\r/")
  const Json s = "\xC3\xA9\xF0\x9F\x98\x80\x7F" + std::string(1, '\0') +
                 "\x1F\xE2\x80\xA8\xEF\xBB\xBF\"\\\n\t\b\f\r/";
  EXPECT_EQ(dump_python(s), R"("\u00e9\ud83d\ude00\u007f\u0000\u001f\u2028\ufeff\"\\\n\t\b\f\r/")");
}

TEST(PythonJson, IndentTwoLayout) {
  auto parsed = parse_json(R"({"a":[],"b":{},"c":[1,2.0,{"d":null}],"e":true})", "t");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(dump_python(*parsed),
            "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    2.0,\n    {\n      \"d\": "
            "null\n    }\n  ],\n  \"e\": true\n}");
  EXPECT_EQ(dump_python(*parsed, WriterStyle{0, true, false}),
            R"({"a": [], "b": {}, "c": [1, 2.0, {"d": null}], "e": true})");
  EXPECT_EQ(dump_python(*parsed, WriterStyle{0, false, true}),
            R"({"a":[],"b":{},"c":[1,2.0,{"d":null}],"e":true})");
}

TEST(PythonJson, NumbersKeepIntegerVersusFloatAndBigIntegers) {
  auto parsed = parse_json(
      R"([3, 3.0, -0, -0.0, 1E21, 25e-1, 18446744073709551615, -9223372036854775808,
          123456789012345678901234567890, -98765432109876543210987654321])",
      "t");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(dump_python(*parsed, WriterStyle{0, true, false}),
            "[3, 3.0, 0, -0.0, 1e+21, 2.5, 18446744073709551615, -9223372036854775808, "
            "123456789012345678901234567890, -98765432109876543210987654321]");
  EXPECT_TRUE(is_big_int((*parsed)[8]));
}

TEST(PythonJson, DuplicateKeysKeepFirstPositionLastValue) {
  auto parsed = parse_json(R"({"a":1,"b":2,"a":3})", "t");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(dump_python(*parsed, WriterStyle{0, true, false}), R"({"a": 3, "b": 2})");
}

TEST(PythonJson, ParseErrorNamesInputAndPosition) {
  auto parsed = parse_json("{\"a\": 1,\n  oops}", "item.json");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.error().message().find("item.json"), std::string::npos);
  EXPECT_NE(parsed.error().message().find("line 2"), std::string::npos);
}

TEST(PythonJson, EscapedInputDecodesAndReencodes) {
  auto parsed = parse_json(R"("a\/b \ud83d\ude00 \u00e9")", "t");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(dump_python(*parsed), R"("a/b \ud83d\ude00 \u00e9")");
  EXPECT_EQ(dump_python(*parsed, WriterStyle{0, false, true}), "\"a/b \xF0\x9F\x98\x80 \xC3\xA9\"");
}

// A byte-at-a-time statement of json.dumps' string escaping, to check the writer's word-at-a-time
// scan: one special character at every position of strings of every length around the 8- and
// 16-byte steps and their tails.
std::string reference_escape(std::string_view s, bool ensure_ascii) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    auto u_escape = [&](unsigned cp) { out += fmt::format("\\u{:04x}", cp); };
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      u_escape(c);
    } else if (c == 0x7F && ensure_ascii) {
      u_escape(c);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      unsigned cp = 0;
      const std::size_t len = decode_utf8(s, i, &cp);
      if (!ensure_ascii) {
        out.append(s.substr(i, len));
      } else if (cp >= 0x10000) {
        u_escape(0xD800 + ((cp - 0x10000) >> 10));
        u_escape(0xDC00 + ((cp - 0x10000) & 0x3FF));
      } else {
        u_escape(cp);
      }
      i += len;
      continue;
    }
    ++i;
  }
  return out + "\"";
}

TEST(PythonJson, EscapesAtEveryPositionAndLength) {
  const std::string specials[] = {
      "\"", "\\", "\n", std::string(1, '\x01'), "\x7F", "\xC3\xA9", "\xF0\x9F\x98\x80", "~"};
  int checked = 0;
  for (std::size_t length = 0; length <= 40; ++length) {
    for (std::size_t at = 0; at <= length; ++at) {
      for (const auto& special : specials) {
        std::string s(length, 'a');
        s.insert(at, special);
        for (const bool ensure_ascii : {true, false}) {
          const WriterStyle style{0, ensure_ascii, !ensure_ascii};
          ASSERT_EQ(dump_python(Json(s), style), reference_escape(s, ensure_ascii))
              << "length " << length << ", special at " << at << ", ensure_ascii " << ensure_ascii;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 861 * 8 * 2);
}

TEST(PythonJson, RuntimeKeysAreEscapedLiteralKeysWrittenAsTheyAre) {
  JsonWriter w(WriterStyle{0, true, false}, 1);  // also grows from a 1-byte buffer
  w.begin_object();
  w.key("plain");
  w.int_value(1);
  const std::string runtime = "qu\"ote\xC3\xA9";
  w.key(runtime);
  w.int_value(2);
  w.key(std::string_view("x"));
  w.null_value();
  w.end_object();
  EXPECT_EQ(w.take(), R"({"plain": 1, "qu\"ote\u00e9": 2, "x": null})");
  EXPECT_EQ(w.take(), "");  // take() starts the writer over
}

TEST(PythonJson, LongOutputGrowsPastTheSizeHint) {
  Json big = Json::array();
  for (std::size_t i = 0; i < 5000; ++i)
    big.push_back(Json{{"i", i}, {"s", std::string(i % 50, 'z')}});
  const std::string text = dump_python(big);
  auto reparsed = parse_json(text, "t");
  ASSERT_TRUE(reparsed.has_value());
  EXPECT_EQ(*reparsed, big);
}

}  // namespace
}  // namespace dlexport::format
