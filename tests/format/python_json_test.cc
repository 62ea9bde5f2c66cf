#include "format/python_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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

}  // namespace
}  // namespace dlexport::format
