#include "dataloop/upload_answer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/json.h"
#include "dataloop/types.h"

namespace dlexport::dataloop {
namespace {

// An emulator-shaped upload answer for a file of 8 bytes.
const std::string kAnswer =
    R"({"id": "660000000000000000000006", "datasetId": "660000000000000000000002",)"
    R"( "name": "数据 é 🚗.json",)"
    R"( "createdAt": "2026-12-04T19:42:13.519Z", "dir": "/a \"quoted\" dir",)"
    R"( "filename": "/a/x.json", "type": "file", "hidden": false, "annotated": null,)"
    R"( "metadata": {"system": {"originalname": "x.json", "size": 8, "encoding": "7bit",)"
    R"( "refs": [], "taskStatusLog": [[1, -2.5, 0.25], {"id": "nested"}], "exif": {}},)"
    R"( "user": {"size": 99}}, "stream": "https://h/api/v1/items/6600/stream", "size": 12})";

// What the full reading concludes: the id when the answer is an item whose size is `size`.
std::optional<std::string> full_reading(const std::string& body, std::uint64_t size) {
  auto json = parse_json(body, "answer");
  if (!json) return std::nullopt;
  auto item = parse_item(*json);
  if (!item) return std::nullopt;
  const Json* stored = member_path(*json, "metadata.system.size");
  if (stored == nullptr || !stored->is_number_integer() || stored->get<std::int64_t>() < 0 ||
      static_cast<std::uint64_t>(stored->get<std::int64_t>()) != size) {
    return std::nullopt;
  }
  return item->id;
}

TEST(QuickUploadAnswerTest, ReadsThePlainAnswer) {
  auto id = quick_upload_answer(kAnswer, 8);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, "660000000000000000000006");
  EXPECT_EQ(full_reading(kAnswer, 8), std::string(*id));
  EXPECT_EQ(quick_upload_answer("\r\n\t {\"metadata\":{\"system\":{\"size\":0}},\"id\":\"i\"} ", 0),
            std::optional<std::string_view>("i"));
  // Non-ASCII names (UTF-8 of 2, 3 and 4 bytes) are the common case, not an exception.
  const std::string unicode = R"({"id": "i", "dir": "/папка/数据/café", "name": "写真 🚗.json",)"
                              R"( "метаданные": 1, "metadata": {"system": {"size": 8}}})";
  EXPECT_EQ(quick_upload_answer(unicode, 8), std::optional<std::string_view>("i"));
  EXPECT_EQ(full_reading(unicode, 8), "i");
}

TEST(QuickUploadAnswerTest, LeavesEverythingElseToTheFullReading) {
  const std::vector<std::string> unusual = {
      "",
      "   ",
      "[]",
      "null",
      R"({"id": "i", "metadata": {"system": {"size": 7}}})",             // size mismatch
      R"({"id": "i", "metadata": {"system": {"size": 8.0}}})",           // not an integer
      R"({"id": "i", "metadata": {"system": {"size": 8e0}}})",           // exponent
      R"({"id": "i", "metadata": {"system": {"size": -8}}})",            // negative
      R"({"id": "i", "metadata": {"system": {"size": "8"}}})",           // a string
      R"({"id": "i", "metadata": {"system": {"size": 08}}})",            // not JSON
      R"({"id": "i", "metadata": {"system": {}}})",                      // no size
      R"({"id": "i", "metadata": {"size": 8}})",                         // size elsewhere
      R"({"id": "i", "size": 8})",                                       // size elsewhere
      R"({"metadata": {"system": {"size": 8}}})",                        // no id
      R"({"id": "", "metadata": {"system": {"size": 8}}})",              // empty id
      R"({"id": 6, "metadata": {"system": {"size": 8}}})",               // id not a string
      R"({"id": "a\"b", "metadata": {"system": {"size": 8}}})",          // escaped id
      R"({"i\u0064": "i", "metadata": {"system": {"size": 8}}})",        // escaped key
      R"({"id": "i", "id": "j", "metadata": {"system": {"size": 8}}})",  // duplicate id
      R"({"id": "i", "metadata": {"system": {"size": 8, "size": 8}}})",  // duplicate size
      R"({"id": "i", "metadata": {"system": {"size": 8}}, "metadata": {}})",
      R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": "caf)"
      "\xC3"
      R"("})",  // truncated UTF-8
      R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": ")"
      "\xC0\xAF"
      R"("})",  // overlong
      R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": ")"
      "\xED\xA0\x80"
      R"("})",  // a surrogate
      R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": ")"
      "\xF4\x90\x80\x80"
      R"("})",                                                               // above U+10FFFF
      R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": "\uD800"})",  // \u escape
      R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": 1e999})",     // exponent
      R"({"id": "i", "metadata": {"system": {"size": 8}},})",                // trailing comma
      R"({"id": "i", "metadata": {"system": {"size": 8}}} x)",               // trailing garbage
      R"({"id": "i", "metadata": {"system": {"size": 8}})",                  // unterminated
      R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": [1,]})",
      R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": tru})",
      R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": "a)"
      "\x01"
      R"("})",  // control character
      R"({"id": "i", "metadata": {"system": {"size": 18446744073709551624}}})",
  };
  for (const auto& body : unusual) {
    EXPECT_FALSE(quick_upload_answer(body, 8).has_value()) << body;
  }
  std::string deep = R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": )";
  deep += std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_FALSE(quick_upload_answer(deep, 8).has_value());
  EXPECT_TRUE(full_reading(deep, 8).has_value());  // valid: only the quick reader declines
}

// The UTF-8 check is the full parser's: for byte sequences around every boundary of the RFC 3629
// table, the quick reader accepts a string exactly when the full reading does.
TEST(QuickUploadAnswerTest, Utf8LikeTheFullParser) {
  auto agree = [](const std::string& bytes) {
    const std::string body =
        R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": ")" + bytes + R"("})";
    const bool quick = quick_upload_answer(body, 8).has_value();
    const bool full = full_reading(body, 8).has_value();
    EXPECT_EQ(quick, full) << std::hex << static_cast<int>(static_cast<unsigned char>(bytes[0]));
    return quick == full;
  };
  auto byte = [](int b) { return std::string(1, static_cast<char>(b)); };
  const int edges[] = {0x20, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
  int accepted = 0;
  for (int b1 = 0x80; b1 <= 0xFF; ++b1) {
    for (int b2 = 0; b2 <= 0xFF; ++b2) {
      if (b2 == '"' || b2 == '\\') continue;
      if (!agree(byte(b1) + byte(b2))) return;
      accepted += full_reading(R"({"id": "i", "metadata": {"system": {"size": 8}}, "x": ")" +
                                   byte(b1) + byte(b2) + R"("})",
                               8)
                      .has_value();
    }
    for (int b2 : edges) {
      for (int b3 : edges) {
        if (!agree(byte(b1) + byte(b2) + byte(b3))) return;
        for (int b4 : edges) {
          if (!agree(byte(b1) + byte(b2) + byte(b3) + byte(b4))) return;
        }
      }
    }
  }
  EXPECT_GT(accepted, 1000);
}

// Whenever the quick reader answers, the full reading agrees: thousands of one- and two-byte
// mutations of a real answer (most of them broken JSON) never make it accept something the full
// reading would reject or read differently.
TEST(QuickUploadAnswerTest, NeverDisagreesWithTheFullReading) {
  std::mt19937 rng(20261205);
  const std::string alphabet =
      "{}[]\",:.-+eE0123456789 \\tnrfu\"aid\x80\x9F\xA0\xBF\xC2\xE0\xED\xF0\xF4\xFF";
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string body = kAnswer;
    const int edits = 1 + static_cast<int>(rng() % 2);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % body.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          body[at] = c;
          break;
        case 1:
          body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          body.erase(at, 1);
      }
    }
    for (std::uint64_t size : {8u, 9u}) {
      const auto quick = quick_upload_answer(body, size);
      if (!quick) continue;
      ++accepted;
      EXPECT_EQ(full_reading(body, size), std::string(*quick)) << body;
    }
  }
  EXPECT_GT(accepted, 1000);  // the property was exercised, not vacuous
}

}  // namespace
}  // namespace dlexport::dataloop
