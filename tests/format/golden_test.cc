// The dataloop format against the SDK's own output: the 60 golden cases (byte for byte, path
// included) and the full input/output pairs captured in recordings/.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "format/format.h"
#include "format/path_template.h"
#include "format/python_json.h"
#include "tests/format/test_files.h"
#include "tests/support/paths.h"

namespace dlexport::format {
namespace {

namespace fs = std::filesystem;
using testing::read_file;

fs::path golden_dir() { return dlexport::testing::shared_dir() / "dataloop" / "golden"; }

std::vector<std::string> golden_cases() {
  std::vector<std::string> cases;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(golden_dir(), ec)) {
    if (entry.is_directory()) cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

Json parse_or_die(const std::string& text, const std::string& what) {
  auto parsed = parse_json(text, what);
  EXPECT_TRUE(parsed.has_value()) << parsed.status().to_string();
  return parsed.has_value() ? std::move(*parsed) : Json();
}

std::string first_difference(const std::string& got, const std::string& want) {
  const auto mismatch = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
  const auto offset = static_cast<std::size_t>(mismatch.first - got.begin());
  const std::size_t from = offset > 80 ? offset - 80 : 0;
  return "first difference at byte " + std::to_string(offset) + "\n got: ..." +
         got.substr(from, 160) + "\nwant: ..." + want.substr(from, 160);
}

TEST(Golden, AllSixtyCasesArePresent) { EXPECT_EQ(golden_cases().size(), 60u); }

class GoldenCase : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCase, DataloopBytesAndPathMatchTheSdk) {
  const fs::path dir = golden_dir() / GetParam();
  const Json item = parse_or_die(read_file(dir / "item.json"), "item.json");
  const Json annotations = parse_or_die(read_file(dir / "annotations.json"), "annotations.json");
  ASSERT_TRUE(annotations.is_array());
  auto format = make_format("dataloop");
  ASSERT_TRUE(format.has_value());
  const auto& list = annotations.get_ref<const Json::array_t&>();
  auto encoded = (*format)->encode(item, list);
  ASSERT_TRUE(encoded.has_value()) << encoded.status().to_string();
  const std::string want = read_file(dir / "expected.json");
  EXPECT_TRUE(encoded->bytes == want) << first_difference(encoded->bytes, want);
  EXPECT_TRUE(encoded->warnings.empty()) << encoded->warnings.front();

  auto tmpl = PathTemplate::parse(kDefaultPathTemplate);
  ASSERT_TRUE(tmpl.has_value());
  auto path = tmpl->render(item);
  ASSERT_TRUE(path.has_value()) << path.status().to_string();
  EXPECT_EQ(*path, read_file(dir / "expected_path.txt"));
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenCase, ::testing::ValuesIn(golden_cases()),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

fs::path recordings_dir() { return dlexport::testing::shared_dir() / "dataloop" / "recordings"; }

// recordings/export_flow.json: the annotations query answered for the exported item, and
// export_flow_item_json.json: the item as served and the dict the app dumped.
TEST(RecordedVectors, ExportFlowItemMatchesSdkDict) {
  const Json flow = parse_or_die(read_file(recordings_dir() / "export_flow.json"), "export_flow");
  const Json pair = parse_or_die(read_file(recordings_dir() / "export_flow_item_json.json"),
                                 "export_flow_item_json");
  const Json& item = pair.at("platform_item");
  Json annotations;
  for (const auto& request : flow.at("requests")) {
    const Json& body = request.at("response").at("body");
    const Json& request_body = request.at("body");
    if (request.at("method") == "POST" && body.is_object() && body.contains("items") &&
        request_body.is_object() && request_body.value("resource", "") == "annotations") {
      annotations = body.at("items");
    }
  }
  ASSERT_TRUE(annotations.is_array());
  ASSERT_FALSE(annotations.empty());
  auto format = make_format("dataloop");
  ASSERT_TRUE(format.has_value());
  auto encoded = (*format)->encode(item, annotations.get_ref<const Json::array_t&>());
  ASSERT_TRUE(encoded.has_value());
  // The recording stores the dict, not the file: dump it the way the app does and compare bytes
  // (the parse keeps 110.0 a float and 0 an int, so this still checks int-vs-float).
  const std::string want = dump_python(pair.at("item_to_json_plus_annotations"));
  EXPECT_TRUE(encoded->bytes == want) << first_difference(encoded->bytes, want);
}

// recordings/json_shapes_report.json: the SDK's output shapes for a few inputs.
TEST(RecordedVectors, JsonShapesReport) {
  const Json report =
      parse_or_die(read_file(recordings_dir() / "json_shapes_report.json"), "json_shapes_report");
  const Json shapes = parse_or_die(read_file(recordings_dir() / "json_shapes.json"), "json_shapes");
  const Json* item = nullptr;
  const Json* boxes = nullptr;
  for (const auto& request : shapes.at("requests")) {
    const Json& body = request.at("response").at("body");
    if (item == nullptr && request.at("method") == "GET" && body.is_object() &&
        body.contains("filename")) {
      item = &body;
    }
    if (boxes == nullptr && body.is_object() && body.contains("items")) boxes = &body.at("items");
  }
  ASSERT_NE(item, nullptr);
  ASSERT_NE(boxes, nullptr);
  auto format = make_format("dataloop");
  ASSERT_TRUE(format.has_value());

  // Item key order after to_json.
  auto encoded = (*format)->encode(*item, {});
  ASSERT_TRUE(encoded.has_value());
  const Json out = parse_or_die(encoded->bytes, "output");
  std::vector<std::string> keys;
  for (const auto& kv : out.items()) keys.push_back(kv.key());
  EXPECT_EQ(Json(keys), report.at("item_to_json").at("sdk_keys"));

  // Box coordinates: the report's raw -> sdk pairs, matched by raw coordinates.
  int checked = 0;
  for (const auto& raw : *boxes) {
    if (!raw.is_object()) continue;  // the recording trimmed the rest of the page
    for (const auto& [name, entry] : report.items()) {
      if (!entry.is_object() || !entry.contains("changed") ||
          !entry.at("changed").contains("coordinates") ||
          entry.at("changed").at("coordinates").at("raw") != raw.at("coordinates")) {
        continue;
      }
      auto one = (*format)->encode(*item, std::vector<Json>{raw});
      ASSERT_TRUE(one.has_value());
      const Json exported = parse_or_die(one->bytes, "output").at("annotations").at(0);
      EXPECT_EQ(dump_python(exported.at("coordinates")),
                dump_python(entry.at("changed").at("coordinates").at("sdk")))
          << name;
      std::vector<std::string> annotation_keys;
      for (const auto& kv : exported.items()) annotation_keys.push_back(kv.key());
      EXPECT_EQ(Json(annotation_keys), entry.at("sdk_keys")) << name;
      ++checked;
    }
  }
  EXPECT_GE(checked, 2);

  // The export name rule.
  for (const auto& [name, exported] : report.at("stem_rule").items()) {
    EXPECT_EQ(std::string(path_stem(name)) + ".json", exported.get<std::string>()) << name;
  }
}

}  // namespace
}  // namespace dlexport::format
