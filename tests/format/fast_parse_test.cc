// parse_json() has a fast path (its own parser) and falls back to nlohmann's for anything the fast
// path does not take. These tests hold the two to the same answers: the same values with the same
// number kinds and key order, and every input nlohmann rejects still rejected.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "format/python_json.h"
#include "tests/support/paths.h"

namespace dlexport::format {
namespace {

// Same type at every node (integer vs unsigned vs float included), same keys in the same order,
// same values.
::testing::AssertionResult same_tree(const Json& a, const Json& b, const std::string& where = "$") {
  if (a.type() != b.type()) {
    return ::testing::AssertionFailure()
           << where << ": type " << a.type_name() << " vs " << b.type_name();
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return ::testing::AssertionFailure() << where << ": object size";
    auto ia = a.begin();
    auto ib = b.begin();
    for (; ia != a.end(); ++ia, ++ib) {
      if (ia.key() != ib.key()) {
        return ::testing::AssertionFailure() << where << ": key " << ia.key() << " vs " << ib.key();
      }
      auto r = same_tree(*ia, *ib, where + "." + ia.key());
      if (!r) return r;
    }
    return ::testing::AssertionSuccess();
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return ::testing::AssertionFailure() << where << ": array size";
    for (std::size_t i = 0; i < a.size(); ++i) {
      auto r = same_tree(a[i], b[i], where + "[" + std::to_string(i) + "]");
      if (!r) return r;
    }
    return ::testing::AssertionSuccess();
  }
  if (a.is_number_float() && std::signbit(a.get<double>()) != std::signbit(b.get<double>())) {
    return ::testing::AssertionFailure() << where << ": sign of zero";
  }
  if (a != b)
    return ::testing::AssertionFailure() << where << ": " << a.dump() << " vs " << b.dump();
  return ::testing::AssertionSuccess();
}

void expect_same_as_nlohmann(const std::string& text) {
  SCOPED_TRACE(text.size() < 200 ? text : text.substr(0, 200));
  auto fast = parse_json(text, "t");
  ASSERT_TRUE(fast.has_value()) << fast.error().message();
  const Json reference = Json::parse(text);
  EXPECT_TRUE(same_tree(*fast, reference));
}

TEST(FastParse, GoldenFilesParseExactlyLikeNlohmann) {
  const auto golden = dlexport::testing::shared_dir() / "dataloop" / "golden";
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(golden)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto fast = parse_json(text.str(), entry.path().string());
    ASSERT_TRUE(fast.has_value()) << fast.error().message();
    // Files with integers beyond 64 bits differ from nlohmann by design (see BigIntegers).
    bool big = false;
    std::vector<const Json*> stack{&*fast};
    while (!stack.empty()) {
      const Json* v = stack.back();
      stack.pop_back();
      if (is_big_int(*v)) big = true;
      if (v->is_structured()) {
        for (const auto& child : *v) stack.push_back(&child);
      }
    }
    if (big) continue;
    EXPECT_TRUE(same_tree(*fast, Json::parse(text.str()))) << entry.path();
    ++files;
  }
  EXPECT_GT(files, 100);
}

TEST(FastParse, ScalarsEscapesAndNumbersMatch) {
  for (const std::string& text : std::vector<std::string>{
           R"({"a":[],"b":{},"c":[1,2.0,{"d":null}],"e":true,"f":false})",
           " \t\n\r[ 1 , -1 , 0 , -0 , 0.0 , -0.0 , 1E+2 , 1e-2 , 2.5E3 , 0.5e-3 ] \n",
           "[18446744073709551615, -9223372036854775808, 9223372036854775807, 4294967296]",
           "[1e-400, -1e-400, 5e-324, 1.7976931348623157e308, 123456789012345678.0]",
           R"(["a\/b \ud83d\ude00 \u00e9 \u0000 \" \\ \b\f\n\r\t", "\u20AC\uFFFF"])",
           "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\x7F\"",
           "\xEF\xBB\xBF{\"bom\": 1}",
           R"({"a": 1, "b": {"a": 2, "b": [{"a": 3}]}})",
           "\"\"",
           "true",
           "null",
           "42",
       }) {
    expect_same_as_nlohmann(text);
  }
}

TEST(FastParse, DeepNestingFallsBackAndStillParses) {
  const std::string deep = std::string(600, '[') + "1" + std::string(600, ']');
  expect_same_as_nlohmann(deep);
}

TEST(FastParse, DuplicateKeysKeepFirstPositionLastValue) {
  auto parsed = parse_json(R"({"a":1,"b":{"x":1,"x":2},"a":3})", "t");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(dump_python(*parsed, WriterStyle{0, true, false}), R"({"a": 3, "b": {"x": 2}})");
}

TEST(FastParse, BigIntegersStayExact) {
  auto parsed =
      parse_json(R"([123456789012345678901234567890, -98765432109876543210987654321])", "t");
  ASSERT_TRUE(parsed.has_value());
  ASSERT_TRUE(is_big_int((*parsed)[0]));
  ASSERT_TRUE(is_big_int((*parsed)[1]));
  EXPECT_EQ(dump_python(*parsed, WriterStyle{0, true, false}),
            "[123456789012345678901234567890, -98765432109876543210987654321]");
}

TEST(FastParse, EverythingNlohmannRejectsIsRejected) {
  for (const std::string& text : std::vector<std::string>{
           "",
           " ",
           "{",
           "}",
           "[",
           "[1,]",
           "[,1]",
           R"({"a":1,})",
           R"({"a" 1})",
           R"({a:1})",
           "01",
           "-01",
           "1.",
           ".5",
           "-",
           "+1",
           "1e",
           "1e+",
           "0x10",
           "1e400",
           "-1e400",
           "NaN",
           "Infinity",
           "nul",
           "truex",
           "[1] 2",
           "[1]]",
           R"("\x")",
           R"("\u12")",
           R"("\ud800")",
           R"("\udc00")",
           R"("\ud800\u0041")",
           "\"\x01\"",
           "\"a\nb\"",
           "\"unterminated",
           "\"\xC0\x80\"",
           "\"\xC1\xBF\"",
           "\"\xE0\x80\x80\"",
           "\"\xED\xA0\x80\"",
           "\"\xF4\x90\x80\x80\"",
           "\"\xF5\x80\x80\x80\"",
           "\"\xFF\"",
           "\"\x80\"",
           "\"\xC3\"",
           std::string("[1,\0 2]", 7),
       }) {
    SCOPED_TRACE(text);
    bool nlohmann_accepts = true;
    try {
      const Json accepted = Json::parse(text);
      EXPECT_FALSE(accepted.is_discarded());
    } catch (const Json::exception&) {
      nlohmann_accepts = false;
    }
    EXPECT_FALSE(nlohmann_accepts);
    auto parsed = parse_json(text, "input.json");
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message().find("input.json: "), std::string::npos);
  }
}

}  // namespace
}  // namespace dlexport::format
