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
    R"( "createdAt": "2026-12-04T19:42:13.519Z", "dir": "/a \"quoted\" dir",)"
    R"( "filename": "/a/x.json", "type": "file", "hidden": false, "annotated": null,)"
    R"( "metadata": {"system": {"originalname": "x.json", "size": 8, "encoding": "7bit",)"
    R"( "refs": [], "taskStatusLog": [[1, -2.5, 0.25], {"id": "nested"}], "exif": {}},)"
    R"( "user": {"size": 99}}, "stream": "https://h/api/v1/items/6600/stream", "size": 12})";

// What the full reading concludes: the id when the answer is an item whose size is `size`.
std::optional<std::string> full_reading(const std::string& body, std::uint64_t size) {
  auto json = parse_json(body, "answer");
  if (!json) return std::nullopt;
  auto item = parse_item(std::move(*json));
  if (!item) return std::nullopt;
  const Json* stored = member_path(item->raw, "metadata.system.size");
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
      "\xC3\xA9"
      R"("})",                                                               // non-ASCII
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

// Whenever the quick reader answers, the full reading agrees: thousands of one- and two-byte
// mutations of a real answer (most of them broken JSON) never make it accept something the full
// reading would reject or read differently.
TEST(QuickUploadAnswerTest, NeverDisagreesWithTheFullReading) {
  std::mt19937 rng(20261205);
  const std::string alphabet = "{}[]\",:.-+eE0123456789 \\tnrfu\"aid";
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
