// parse_json() has a fast path (its own parser) and falls back to nlohmann's for anything the fast
// path does not take. These tests hold the two to the same answers: the same values with the same
// number kinds and key order, and every input nlohmann rejects still rejected. JsonDoc::parse()
// (the tape the export encodes from) is held to parse_json()'s answers on every input here.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/json_doc.h"
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

// JsonDoc::parse() gives what parse_json() gives: the same tree, or the same error. Its writer
// output matches too, in both styles the formats use.
void expect_doc_same_as_parse_json(const std::string& text) {
  SCOPED_TRACE(text.size() < 200 ? text : text.substr(0, 200));
  auto reference = parse_json(text, "input.json");
  auto doc = JsonDoc::parse(text, "input.json");
  ASSERT_EQ(doc.has_value(), reference.has_value());
  if (!reference) {
    EXPECT_EQ(doc.error().message(), reference.error().message());
    return;
  }
  EXPECT_TRUE(same_tree(to_json((*doc)->root()), *reference));
  for (const WriterStyle style : {WriterStyle{}, WriterStyle{0, false, true}}) {
    JsonWriter from_node(style);
    from_node.value((*doc)->root());
    EXPECT_EQ(from_node.take(), dump_python(*reference, style));
  }
}

void expect_same_as_nlohmann(const std::string& text) {
  SCOPED_TRACE(text.size() < 200 ? text : text.substr(0, 200));
  auto fast = parse_json(text, "t");
  ASSERT_TRUE(fast.has_value()) << fast.error().message();
  const Json reference = Json::parse(text);
  EXPECT_TRUE(same_tree(*fast, reference));
  expect_doc_same_as_parse_json(text);
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
    expect_doc_same_as_parse_json(text.str());
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
  expect_doc_same_as_parse_json(R"({"a":1,"b":{"x":1,"x":2},"a":3})");
}

TEST(FastParse, BigIntegersStayExact) {
  auto parsed =
      parse_json(R"([123456789012345678901234567890, -98765432109876543210987654321])", "t");
  ASSERT_TRUE(parsed.has_value());
  ASSERT_TRUE(is_big_int((*parsed)[0]));
  ASSERT_TRUE(is_big_int((*parsed)[1]));
  EXPECT_EQ(dump_python(*parsed, WriterStyle{0, true, false}),
            "[123456789012345678901234567890, -98765432109876543210987654321]");
  expect_doc_same_as_parse_json(
      R"([123456789012345678901234567890, -98765432109876543210987654321])");
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
    auto doc = JsonDoc::parse(text, "input.json");
    ASSERT_FALSE(doc.has_value());
    EXPECT_EQ(doc.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(doc.error().message(), parsed.error().message());
  }
}

// --- JsonDoc ----------------------------------------------------------------------------------

TEST(JsonDoc, RepeatedKeysKeepFirstPositionLastValue) {
  // Two and three occurrences; nested; objects small enough for the pairwise check and large
  // enough for the hash table.
  std::string wide = "{";
  for (int i = 0; i < 40; ++i)
    wide += "\"k" + std::to_string(i % 25) + "\":" + std::to_string(i) + ",";
  wide += "\"last\":[{\"a\":1,\"a\":{\"b\":2}}]}";
  for (const std::string& text : std::vector<std::string>{
           R"({"a":1,"b":2,"a":3})",
           R"({"a":1,"a":2,"a":3,"b":4})",
           R"({"x":{"y":1,"z":2,"y":[3]},"x":{"q":0}})",
           R"([{"a":1},{"a":1,"a":1}])",
           R"({"a":"x\ny","a":1,"b":"\u00e9"})",  // the replaced first value has escapes
           wide,
       }) {
    expect_doc_same_as_parse_json(text);
  }
  auto doc = JsonDoc::parse(R"({"a":1,"b":2,"a":3,"c":4,"a":5})", "t");
  ASSERT_TRUE(doc.has_value());
  const JsonNode& root = (*doc)->root();
  EXPECT_EQ(root.size(), 3u);
  ASSERT_NE(root.find("a"), nullptr);
  EXPECT_EQ(root.find("a")->uint_value(), 5u);
  EXPECT_EQ(root.at(0).uint_value(), 5u);
  EXPECT_EQ(root.at(1).key(), "b");
  EXPECT_EQ(root.at(2).key(), "c");
  std::vector<std::string> keys;
  for (const JsonNode& member : root.children()) keys.emplace_back(member.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(JsonDoc, EscapedKeysThatRepeatAfterDecodingAreRepeats) {
  // "a" and "\u0061" are the same key once decoded; Python keeps one.
  expect_doc_same_as_parse_json(R"({"a":1,"\u0061":2})");
  expect_doc_same_as_parse_json(R"({"\n":1,"b":2,"\u000a":3})");
  auto doc = JsonDoc::parse(R"({"a":1,"\u0061":2})", "t");
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ((*doc)->root().size(), 1u);
}

TEST(JsonDoc, EscapesAreDecodedInPlace) {
  auto doc = JsonDoc::parse(R"({"k\u00e9y":"a\nb\ud83d\ude00\"\\\/", "plain":"x"})", "t");
  ASSERT_TRUE(doc.has_value());
  const JsonNode& root = (*doc)->root();
  EXPECT_EQ(root.at(0).key(), "k\xC3\xA9y");
  EXPECT_EQ(root.at(0).string(), "a\nb\xF0\x9F\x98\x80\"\\/");
  EXPECT_EQ(root.find("plain")->string(), "x");
}

TEST(JsonDoc, NodeAccessorsAndKinds) {
  auto doc = JsonDoc::parse(
      R"({"i":-3,"u":18446744073709551615,"f":0.5,"big":123456789012345678901234567890,)"
      R"("s":"","t":true,"n":null,"a":[1,[2],{}],"o":{}})",
      "t");
  ASSERT_TRUE(doc.has_value());
  const JsonNode& root = (*doc)->root();
  EXPECT_EQ(root.find("i")->type(), JsonNode::Type::kInt);
  EXPECT_EQ(root.find("i")->int_value(), -3);
  EXPECT_EQ(root.find("u")->type(), JsonNode::Type::kUint);
  EXPECT_EQ(root.find("u")->uint_value(), 18446744073709551615ULL);
  EXPECT_EQ(root.find("f")->float_value(), 0.5);
  EXPECT_EQ(root.find("big")->type(), JsonNode::Type::kBigInt);
  EXPECT_EQ(root.find("big")->string(), "123456789012345678901234567890");
  EXPECT_TRUE(root.find("s")->is_string());
  EXPECT_TRUE(root.find("t")->bool_value());
  EXPECT_TRUE(root.find("n")->is_null());
  EXPECT_EQ(root.find("a")->size(), 3u);
  EXPECT_EQ(root.find("a")->at(1).at(0).uint_value(), 2u);
  EXPECT_TRUE(root.find("a")->at(2).empty());
  EXPECT_TRUE(root.find("o")->is_object());
  EXPECT_EQ(root.find("missing"), nullptr);
  EXPECT_EQ(root.find("a")->find("x"), nullptr);  // not an object
}

TEST(JsonDoc, FromJsonCopiesEveryKind) {
  auto parsed = parse_json(
      R"({"a":[1,-2,2.5,"s",null,true,{"b":123456789012345678901234567890}],"c":{}})", "t");
  ASSERT_TRUE(parsed.has_value());
  const auto doc = JsonDoc::from_json(*parsed);
  EXPECT_TRUE(same_tree(to_json(doc->root()), *parsed));
}

// Random JSON text with the features that take different paths: escapes of every kind, raw
// UTF-8, integers of every width, floats, repeated keys in small and large objects, nesting.
class RandomJsonText {
 public:
  explicit RandomJsonText(unsigned seed) : rng_(seed) {}

  std::string value(int depth = 0) {
    const int pick = static_cast<int>(rng_() % (depth > 4 ? 6 : 8));
    switch (pick) {
      case 0:
        return "null";
      case 1:
        return rng_() % 2 ? "true" : "false";
      case 2:
        return integer();
      case 3:
        return floating();
      case 4:
      case 5:
        return "\"" + string_body() + "\"";
      case 6:
        return array(depth);
      default:
        return object(depth);
    }
  }

 private:
  std::string integer() {
    static const char* const kFixed[] = {"0",
                                         "-0",
                                         "9223372036854775807",
                                         "-9223372036854775808",
                                         "18446744073709551615",
                                         "18446744073709551616",
                                         "-9223372036854775809",
                                         "123456789012345678901234567890"};
    if (rng_() % 4 == 0) return kFixed[rng_() % 8];
    const auto v = static_cast<std::int64_t>(rng_()) >> (rng_() % 60);
    return std::to_string(v);
  }

  std::string floating() {
    static const char* const kFixed[] = {
        "0.0", "-0.0", "1e-7", "2.5E+3", "1.7976931348623157e308", "5e-324", "0.1", "123.456e-2"};
    if (rng_() % 3 == 0) return kFixed[rng_() % 8];
    return std::to_string(static_cast<double>(rng_() % 2000000) / 1000.0 - 1000.0);
  }

  std::string string_body() {
    static const char* const kPieces[] = {"a",
                                          "xyz",
                                          "\\n",
                                          "\\t",
                                          "\\\"",
                                          "\\\\",
                                          "\\/",
                                          "\\u00e9",
                                          "\\u0000",
                                          "\\ud83d\\ude00",
                                          "\\u20AC",
                                          "\xC3\xA9",
                                          "\xE2\x82\xAC",
                                          "\xF0\x9F\x98\x80",
                                          " ",
                                          "0123456789abcdef0123"};
    std::string out;
    const int n = static_cast<int>(rng_() % 6);
    for (int i = 0; i < n; ++i) out += kPieces[rng_() % 16];
    return out;
  }

  std::string array(int depth) {
    std::string out = "[";
    const int n = static_cast<int>(rng_() % 5);
    for (int i = 0; i < n; ++i) {
      if (i > 0) out += rng_() % 2 ? "," : " , ";
      out += value(depth + 1);
    }
    return out + "]";
  }

  std::string object(int depth) {
    static const char* const kKeys[] = {"a", "b", "id", "x", "\\u0061", "k\\n", "\xC3\xA9", "type"};
    std::string out = "{";
    const int n = static_cast<int>(rng_() % 4 == 0 ? rng_() % 30 : rng_() % 6);
    for (int i = 0; i < n; ++i) {
      if (i > 0) out += ",";
      // Mostly plain keys from a small set (repeats are common), some numbered (wide objects).
      const auto k = rng_() % 10;
      out += "\"";
      out += k < 8 ? std::string(kKeys[k]) : "n" + std::to_string(rng_() % 40);
      out += "\":";
      out += value(depth + 1);
    }
    return out + "}";
  }

  std::mt19937 rng_;
};

TEST(JsonDoc, RandomTextsParseLikeParseJson) {
  RandomJsonText random(20261205);
  for (int i = 0; i < 3000; ++i) {
    expect_doc_same_as_parse_json(random.value());
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace dlexport::format
