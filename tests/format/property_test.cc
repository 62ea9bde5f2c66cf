// Seeded random items and annotations (valid JSON, arbitrary shapes): the encoders never fail on
// an object item, their output always parses, and `raw` round-trips exactly.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "format/format.h"
#include "format/path_template.h"
#include "format/python_json.h"

namespace dlexport::format {
namespace {

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool coin() { return pick(2) == 0; }

  Json number() {
    static const double kEdges[] = {0.0,
                                    -0.0,
                                    1e-7,
                                    1e16,
                                    1e21,
                                    5e-324,
                                    1e-5,
                                    0.1,
                                    110.0,
                                    1e308,
                                    -1.5,
                                    3.0,
                                    1e15,
                                    123456789.125,
                                    2.5e-4,
                                    1e-4,
                                    9007199254740993.0};
    switch (pick(6)) {
      case 0:
        return kEdges[pick(static_cast<int>(std::size(kEdges)))];
      case 1:
        return std::uniform_int_distribution<std::int64_t>(-1000, 1000)(rng_);
      case 2:
        return std::numeric_limits<std::int64_t>::min() + pick(3);
      case 3:
        return std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(pick(3));
      case 4:
        return make_big_int(coin() ? "123456789012345678901234567890" : "-98765432109876543210");
      default:
        return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
    }
  }

  std::string text() {
    static const char* kPieces[] = {"a",
                                    "Z",
                                    " ",
                                    "\"",
                                    "\\",
                                    "/",
                                    "\n",
                                    "\t",
                                    std::string_view("\0", 1).data(),
                                    "\x1f",
                                    "\x7f",
                                    "\xC3\xA9",
                                    "\xE6\x95\xB0",
                                    "\xF0\x9F\x98\x80",
                                    "\xE2\x80\xA8",
                                    "\xEF\xBB\xBF",
                                    "..",
                                    ".",
                                    "{id}"};
    std::string s;
    const int n = pick(8);
    for (int i = 0; i < n; ++i) {
      const int k = pick(static_cast<int>(std::size(kPieces)));
      if (k == 8) {
        s += '\0';
      } else {
        s += kPieces[k];
      }
    }
    return s;
  }

  Json value(int depth) {
    switch (depth <= 0 ? pick(4) : pick(7)) {
      case 0:
        return nullptr;
      case 1:
        return coin();
      case 2:
        return number();
      case 3:
        return text();
      case 4: {
        Json a = Json::array();
        for (int i = pick(4); i > 0; --i) a.push_back(value(depth - 1));
        return a;
      }
      default: {
        Json o = Json::object();
        for (int i = pick(5); i > 0; --i) o[key()] = value(depth - 1);
        return o;
      }
    }
  }

  std::string key() {
    static const char* kKeys[] = {
        "x",           "y",          "z",          "frame",           "endFrame", "startTime",
        "endTime",     "snapshots_", "attributes", "namedAttributes", "data",     "coordinates",
        "label",       "type",       "fixed",      "objectVisible",   "system",   "status",
        "description", "angle",      "center"};
    return coin() ? kKeys[pick(static_cast<int>(std::size(kKeys)))] : text();
  }

  Json point() {
    Json p = {{"x", coin() ? number() : value(1)}, {"y", number()}};
    if (coin()) p["z"] = number();
    return p;
  }

  Json coordinates(const std::string& type) {
    if (pick(5) == 0) return value(3);  // anything at all
    if (type == "box") return Json::array({point(), point()});
    if (type == "segment" || type == "polyline")
      return Json::array({Json::array({point(), point(), point()})});
    if (type == "point") return point();
    if (type == "ellipse") {
      return {{"angle", number()}, {"center", point()}, {"rx", number()}, {"ry", number()}};
    }
    if (type == "cube_3d") {
      return {{"position", point()}, {"scale", point()}, {"rotation", point()}};
    }
    if (type == "pose")
      return {{"templateId", text()}, {"instanceId", coin() ? Json(text()) : Json()}};
    if (type == "subtitle") return {{"text", text()}};
    return value(3);
  }

  Json annotation(int id) {
    static const char* kTypes[] = {
        "box",       "cube",     "cube_3d",          "class",    "comparison",
        "ellipse",   "point",    "segment",          "polyline", "pose",
        "binary",    "subtitle", "text_mark",        "gis",      "text",
        "ref_image", "note",     "item_description", "mystery"};
    const std::string type = kTypes[pick(static_cast<int>(std::size(kTypes)))];
    Json a = Json::object();
    a["id"] = "a" + std::to_string(id);
    a["type"] = type;
    for (auto key : {"label", "creator", "createdAt", "updatedBy", "updatedAt"}) {
      if (pick(10) != 0) a[key] = text();
    }
    if (coin()) a["attributes"] = value(2);
    if (pick(4) != 0) {
      Json system = Json::object();
      if (coin()) system["frame"] = coin() ? Json(pick(20)) : number();
      if (coin()) system["endFrame"] = coin() ? Json(pick(40)) : number();
      if (coin()) system["startTime"] = number();
      if (coin()) system["endTime"] = number();
      if (coin()) system["attributes"] = value(2);
      if (coin()) system["status"] = coin() ? Json("clear") : value(1);
      if (coin()) {
        Json snaps = Json::array();
        for (int i = pick(4); i > 0; --i) {
          Json s = {{"frame", pick(50)}, {"data", coordinates(type)}, {"label", text()}};
          if (coin()) s["namedAttributes"] = value(1);
          if (coin()) s["attributes"] = value(1);
          if (coin()) s["type"] = "transition";
          snaps.push_back(s);
        }
        system["snapshots_"] = coin() ? snaps : value(2);
      }
      a["metadata"] = {{"system", pick(8) == 0 ? value(1) : system}, {"user", value(2)}};
    }
    if (pick(6) != 0) a["coordinates"] = coordinates(type);
    if (coin()) a["description"] = coin() ? Json(text()) : value(1);
    if (coin()) a["labelSuggestions"] = value(1);
    if (coin()) a[key()] = value(2);  // unknown keys
    return a;
  }

  Json item() {
    static const char* kMimes[] = {"image/jpeg", "video/mp4", "audio/wav", "text/plain"};
    Json item = Json::object();
    for (auto key : {"id", "datasetId", "dir", "filename", "name", "url", "dataset", "annotations",
                     "creator", "spec", "description", "srcItem"}) {
      if (pick(8) != 0) item[key] = pick(10) == 0 ? value(1) : Json(text());
    }
    if (pick(5) != 0) {
      item["metadata"] = {{"system", {{"mimetype", kMimes[pick(4)]}, {"extra", value(2)}}},
                          {"user", value(3)}};
    }
    if (coin()) item[key()] = value(3);
    return item;
  }

 private:
  std::mt19937 rng_;
};

TEST(FormatProperties, EncodersNeverFailAndRawRoundTrips) {
  auto dataloop = make_format("dataloop");
  auto raw = make_format("raw");
  auto pretty_raw = make_format("raw", FormatOptions{.pretty = true});
  ASSERT_TRUE(dataloop.has_value() && raw.has_value() && pretty_raw.has_value());
  auto tmpl = PathTemplate::parse(kDefaultPathTemplate);
  ASSERT_TRUE(tmpl.has_value());
  Generator gen(20251204);
  int kept_raw = 0, exported = 0, paths_rejected = 0;
  for (int round = 0; round < 1500; ++round) {
    const Json item = gen.item();
    std::vector<Json> annotations;
    for (int i = gen.pick(6); i > 0; --i) annotations.push_back(gen.annotation(i));

    auto encoded = (*dataloop)->encode(item, annotations);
    ASSERT_TRUE(encoded.has_value()) << "round " << round;
    auto reparsed = parse_json(encoded->bytes, "dataloop output");
    ASSERT_TRUE(reparsed.has_value()) << reparsed.status().to_string() << "\n" << encoded->bytes;
    ASSERT_TRUE(reparsed->is_object());
    ASSERT_TRUE(reparsed->at("annotations").is_array());
    kept_raw += static_cast<int>(encoded->warnings.size());
    exported += static_cast<int>(reparsed->at("annotations").size());

    Json want = item;
    want["annotations"] = Json(annotations);
    for (const auto* format : {&*raw, &*pretty_raw}) {
      auto raw_encoded = (*format)->encode(item, annotations);
      ASSERT_TRUE(raw_encoded.has_value());
      auto raw_reparsed = parse_json(raw_encoded->bytes, "raw output");
      ASSERT_TRUE(raw_reparsed.has_value()) << raw_reparsed.status().to_string();
      // Byte comparison of a canonical dump also distinguishes -0.0/0.0 and int/float.
      ASSERT_EQ(dump_python(*raw_reparsed), dump_python(want)) << "round " << round;
    }

    auto path = tmpl->render(item);
    if (path.has_value()) {
      EXPECT_EQ(path->front(), '/');
      EXPECT_EQ(path->find("/../"), std::string::npos);
    } else {
      ++paths_rejected;
      EXPECT_EQ(path.error().code(), StatusCode::kInvalidArgument);
    }
  }
  // The generator must exercise both the SDK path and the kept-raw path.
  EXPECT_GT(exported, 1000);
  EXPECT_GT(kept_raw, 100);
  EXPECT_GT(paths_rejected, 10);
}

}  // namespace
}  // namespace dlexport::format
