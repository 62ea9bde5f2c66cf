// Targeted rules of the dataloop and raw formats that the golden cases do not pin down: the
// documented deviations (annotations kept raw with a warning) and the format factory.

#include <gtest/gtest.h>

#include "format/format.h"
#include "format/python_json.h"

namespace dlexport::format {
namespace {

Json parse(std::string_view text) {
  auto parsed = parse_json(text, "test");
  EXPECT_TRUE(parsed.has_value()) << parsed.status().to_string();
  return parsed.has_value() ? std::move(*parsed) : Json();
}

Json image_item() {
  return parse(R"({"id":"i1","datasetId":"d1","dir":"/a","filename":"/a/x.jpg","name":"x.jpg",
    "metadata":{"system":{"mimetype":"image/jpeg"}},"url":"u","dataset":"ds"})");
}

Json video_item() {
  return parse(R"({"id":"i1","datasetId":"d1","dir":"/a","filename":"/a/x.mp4","name":"x.mp4",
    "metadata":{"system":{"mimetype":"video/mp4"}},"url":"u","dataset":"ds"})");
}

Json annotation(std::string_view type, std::string_view coordinates,
                std::string_view system = R"({})") {
  return parse(std::string(R"({"id":"a1","type":")") + std::string(type) +
               R"(","label":"car","creator":"c","createdAt":"t","updatedBy":"u","updatedAt":"t",
                  "metadata":{"system":)" +
               std::string(system) + R"(},"coordinates":)" + std::string(coordinates) + "}");
}

struct Encoded {
  Json out;
  std::vector<std::string> warnings;
};

Encoded encode(const Json& item, std::vector<Json> annotations,
               std::string_view name = "dataloop") {
  auto format = make_format(name);
  EXPECT_TRUE(format.has_value());
  auto result = (*format)->encode(item, annotations);
  EXPECT_TRUE(result.has_value());
  return {parse(result->bytes), result->warnings};
}

TEST(DataloopFormat, NotesAndUnlistedTypesAreNotExported) {
  auto e =
      encode(image_item(), {annotation("note", R"({"box":[],"note":{}})"),
                            annotation("item_description", R"("x")"), annotation("class", "[]")});
  ASSERT_EQ(e.out.at("annotations").size(), 1u);
  EXPECT_EQ(e.out.at("annotations")[0].at("type"), "class");
  EXPECT_FALSE(e.out.at("annotations")[0].contains("coordinates"));
  EXPECT_TRUE(e.warnings.empty());
}

TEST(DataloopFormat, PoseWithoutInstanceIdIsKeptRawWithWarning) {
  const Json raw = annotation("pose", R"({"templateId":"t","instanceId":null})");
  auto e = encode(image_item(), {raw});
  ASSERT_EQ(e.out.at("annotations").size(), 1u);
  EXPECT_EQ(e.out.at("annotations")[0], raw);
  ASSERT_EQ(e.warnings.size(), 1u);
  EXPECT_NE(e.warnings[0].find("a1"), std::string::npos);
  EXPECT_NE(e.warnings[0].find("instanceId"), std::string::npos);
}

TEST(DataloopFormat, CubeWithNullAngleIsKeptRaw) {
  std::string corners;
  for (auto key : {"front_tl", "front_tr", "front_br", "front_bl", "back_tl", "back_tr", "back_br",
                   "back_bl"}) {
    corners += std::string("\"") + key + R"(":{"x":1,"y":2},)";
  }
  const Json raw = annotation("cube", "{" + corners + R"("angle":null})");
  auto e = encode(image_item(), {raw});
  EXPECT_EQ(e.out.at("annotations")[0], raw);
  EXPECT_EQ(e.warnings.size(), 1u);
}

TEST(DataloopFormat, UnparsableCoordinatesAreKeptRaw) {
  const Json segment = annotation("segment", R"([{"x":1,"y":2}])");  // not a list of rings
  const Json box = annotation("box", R"({"x":1})");
  auto e = encode(image_item(), {segment, box});
  ASSERT_EQ(e.out.at("annotations").size(), 2u);
  EXPECT_EQ(e.out.at("annotations")[0], segment);
  EXPECT_EQ(e.out.at("annotations")[1], box);
  EXPECT_EQ(e.warnings.size(), 2u);
}

TEST(DataloopFormat, MissingRequiredKeyIsKeptRaw) {
  Json raw = annotation("box", R"([{"x":1,"y":2},{"x":3,"y":4}])");
  raw.erase("creator");
  auto e = encode(image_item(), {raw});
  EXPECT_EQ(e.out.at("annotations")[0], raw);
  ASSERT_EQ(e.warnings.size(), 1u);
  EXPECT_NE(e.warnings[0].find("creator"), std::string::npos);
}

TEST(DataloopFormat, VideoMishandledInputsAreKeptRaw) {
  // A float frame, list-valued named attributes and a missing metadata.system.
  const Json float_frame =
      annotation("box", R"([{"x":1,"y":2},{"x":3,"y":4}])", R"({"frame":1.5,"endFrame":3})");
  const Json list_attrs =
      annotation("box", R"([{"x":1,"y":2},{"x":3,"y":4}])", R"({"frame":1,"attributes":["a"]})");
  Json no_system = annotation("box", R"([{"x":1,"y":2},{"x":3,"y":4}])");
  no_system.at("metadata").erase("system");
  auto e = encode(video_item(), {float_frame, list_attrs, no_system});
  ASSERT_EQ(e.out.at("annotations").size(), 3u);
  EXPECT_EQ(e.out.at("annotations")[0], float_frame);
  EXPECT_EQ(e.out.at("annotations")[1], list_attrs);
  EXPECT_EQ(e.out.at("annotations")[2], no_system);
  EXPECT_EQ(e.warnings.size(), 3u);
}

TEST(DataloopFormat, NonStringDescriptionIsKeptRaw) {
  Json raw = annotation("class", "[]");
  raw["description"] = 5;
  auto e = encode(image_item(), {raw});
  EXPECT_EQ(e.out.at("annotations")[0], raw);
  EXPECT_EQ(e.warnings.size(), 1u);
}

TEST(DataloopFormat, BoxIsNormalisedToFloats) {
  auto format = make_format("dataloop");
  ASSERT_TRUE(format.has_value());
  auto result = (*format)->encode(
      image_item(), std::vector<Json>{annotation("box", R"([{"x":110,"y":220},{"x":10,"y":20.5},
                                                           30])")});
  ASSERT_TRUE(result.has_value());
  const Json out = parse(result->bytes);
  EXPECT_EQ(dump_python(out.at("annotations")[0].at("coordinates"), WriterStyle{0, true, false}),
            R"([{"x": 10.0, "y": 20.5, "z": 0}, {"x": 110.0, "y": 220.0, "z": 0}, 30])");
}

TEST(DataloopFormat, ItemThatIsNotAnObjectIsAnError) {
  auto format = make_format("dataloop");
  ASSERT_TRUE(format.has_value());
  auto result = (*format)->encode(Json::array(), {});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), StatusCode::kInvalidArgument);
}

TEST(RawFormat, KeepsEverythingAndReplacesAnnotationsInPlace) {
  Json item = image_item();
  item["annotations"] = "https://gate/annotations";
  item["projectId"] = "p";
  const Json note = annotation("note", R"({"box":[],"note":{}})");
  auto e = encode(item, {note}, "raw");
  Json want = item;
  want["annotations"] = Json::array({note});
  EXPECT_EQ(e.out, want);
  std::vector<std::string> keys;
  for (const auto& kv : e.out.items()) keys.push_back(kv.key());
  EXPECT_EQ(keys[8], "annotations");  // the platform's key keeps its position
  EXPECT_EQ(keys.back(), "projectId");
}

TEST(RawFormat, CompactByDefaultPrettyOnRequest) {
  const Json item = parse(R"({"id":"i","name":"\u00e9"})");
  auto compact = make_format("raw");
  ASSERT_TRUE(compact.has_value());
  auto bytes = (*compact)->encode(item, {});
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->bytes, "{\"id\":\"i\",\"name\":\"\xC3\xA9\",\"annotations\":[]}");
  auto pretty = make_format("raw", FormatOptions{.pretty = true});
  ASSERT_TRUE(pretty.has_value());
  auto pretty_bytes = (*pretty)->encode(item, {});
  ASSERT_TRUE(pretty_bytes.has_value());
  EXPECT_EQ(pretty_bytes->bytes,
            "{\n  \"id\": \"i\",\n  \"name\": \"\xC3\xA9\",\n  \"annotations\": []\n}");
}

TEST(FormatFactory, KnowsBuiltInsAndNamesThemOnError) {
  EXPECT_EQ(format_names(), (std::vector<std::string_view>{"dataloop", "raw"}));
  auto dl = make_format("dataloop");
  ASSERT_TRUE(dl.has_value());
  EXPECT_EQ((*dl)->name(), "dataloop");
  EXPECT_EQ((*dl)->content_type(), "application/json");
  auto bad = make_format("csv");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("dataloop, raw"), std::string::npos);
}

}  // namespace
}  // namespace dlexport::format
