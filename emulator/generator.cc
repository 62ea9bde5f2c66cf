#include "emulator/generator.h"

#include <cmath>
#include <cstdio>

#include "emulator/dql.h"
#include "emulator/entities.h"

namespace dlexport::emulator {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double SplitMix64::coord(double lo, double hi) {
  double unit = static_cast<double>(next() >> 11) / static_cast<double>(1ull << 53);
  return std::round((lo + unit * (hi - lo)) * 100.0) / 100.0;
}

std::size_t annotation_type_index(std::string_view type) {
  for (std::size_t i = 0; i < kAnnotationTypes.size(); ++i) {
    if (kAnnotationTypes[i] == type) return i;
  }
  return kAnnotationTypes.size();
}

namespace {

constexpr std::string_view kLabels[] = {"car",          "person", "road",  "truck", "bus",
                                        "lane-marking", "sign",   "Ärger", "行人",  "дерево"};
constexpr std::string_view kCreators[] = {"annotator1@example.com", "qa.lead@example.org",
                                          "model-bot@bot.ai", "jürgen@example.de"};
constexpr std::string_view kDirs[] = {"train", "val",        "test",   "папка",  "数据",
                                      "café",  "with space", "sensor", "2024-01"};
constexpr std::string_view kStems[] = {"img",   "frame",   "scan", "фото", "写真",
                                       "naïve", "my file", "clip", "rec"};
constexpr std::string_view kSubtitles[] = {"שלום, מה שלומך?", "Hello there", "Straße 🚗", "你好世界",
                                           "ça va?"};
// A 1x1 PNG; binary annotations carry a data URL like this.
constexpr std::string_view kPng =
    "data:image/"
    "png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60"
    "e6kgAAAABJRU5ErkJggg==";

struct Media {
  std::string_view mimetype;
  std::string_view ext;
};
constexpr Media kMedia[] = {{"image/jpeg", ".jpg"},     {"image/jpeg", ".jpg"},
                            {"image/png", ".png"},      {"video/mp4", ".mp4"},
                            {"audio/wav", ".wav"},      {"text/plain", ".txt"},
                            {"application/pcd", ".pcd"}};

std::string hex24(SplitMix64& rng) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%08x%016llx", static_cast<unsigned>(rng.next() & 0xffffffffu),
                static_cast<unsigned long long>(rng.next()));
  return buf;
}

std::string uuid(SplitMix64& rng) {
  std::uint64_t a = rng.next(), b = rng.next();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>((b >> 48) & 0xffff),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

Json point2(SplitMix64& rng) { return Json{{"x", rng.coord(0, 640)}, {"y", rng.coord(0, 480)}}; }
Json point3(SplitMix64& rng) {
  return Json{{"x", rng.coord(0, 640)}, {"y", rng.coord(0, 480)}, {"z", 0}};
}
Json ring(SplitMix64& rng, std::size_t points) {
  Json out = Json::array();
  for (std::size_t i = 0; i < points; ++i) out.push_back(point3(rng));
  return out;
}

Json coordinates(std::string_view type, SplitMix64& rng, std::string_view label,
                 std::string_view creator) {
  if (type == "box") {
    return Json::array({point3(rng), point3(rng)});
  }
  if (type == "cube") {
    Json c = Json::object();
    for (const char* k : {"front_tl", "front_tr", "front_br", "front_bl", "back_tl", "back_tr",
                          "back_br", "back_bl"}) {
      c[k] = point2(rng);
    }
    c["angle"] = rng.coord(0, 90);
    return c;
  }
  if (type == "cube_3d") {
    auto v = [&](double lo, double hi) {
      return Json{{"x", rng.coord(lo, hi)}, {"y", rng.coord(lo, hi)}, {"z", rng.coord(lo, hi)}};
    };
    return Json{{"position", v(-50, 50)}, {"scale", v(0.5, 5)}, {"rotation", v(0, 3.14)}};
  }
  if (type == "class") return Json::array();
  if (type == "comparison") {
    Json ranks = Json::array();
    for (int r = 1; r <= 3; ++r) {
      ranks.push_back(Json{{"id", hex24(rng)}, {"rank", r}, {"score", rng.coord(0, 5)}});
    }
    return Json{{"type", "preference"}, {"ranks", ranks}, {"notes", "compared"}};
  }
  if (type == "ellipse") {
    return Json{{"angle", rng.coord(0, 180)},
                {"center", point3(rng)},
                {"rx", rng.coord(1, 100)},
                {"ry", rng.coord(1, 100)}};
  }
  if (type == "point") return point3(rng);
  if (type == "segment") {
    Json rings = Json::array({ring(rng, 3 + rng.below(5))});
    if (rng.chance(30)) rings.push_back(ring(rng, 3));  // a hole / second ring
    return rings;
  }
  if (type == "polyline") return Json::array({ring(rng, 2 + rng.below(6))});
  if (type == "pose") return Json{{"templateId", hex24(rng)}, {"instanceId", uuid(rng)}};
  if (type == "binary") return std::string(kPng);
  if (type == "subtitle") return Json{{"text", kSubtitles[rng.below(std::size(kSubtitles))]}};
  if (type == "text_mark") {
    auto start = rng.below(500);
    return Json{{"start", start}, {"end", start + 4}, {"text", "zone"}};
  }
  if (type == "gis") {
    double lon = rng.coord(-170, 170), lat = rng.coord(-80, 80);
    return Json{{"geo_type", "Box"},
                {"wgs84_geo_coordinates",
                 Json::array({Json::array({Json::array({lon, lat}), Json::array({lon + 0.01, lat}),
                                           Json::array({lon + 0.01, lat + 0.01}),
                                           Json::array({lon, lat})})})}};
  }
  if (type == "ref_semantic_3d") {
    return Json{
        {"ref", hex24(rng)}, {"refType", "id"}, {"labels", {{"0", "ground"}, {"1", label}}}};
  }
  if (type == "polyline_3d") {
    Json line = Json::array();
    for (int i = 0; i < 3; ++i) {
      line.push_back(
          Json{{"x", rng.coord(-40, 40)}, {"y", rng.coord(-40, 40)}, {"z", rng.coord(-5, 5)}});
    }
    return Json::array({line});
  }
  if (type == "text") return std::string(kSubtitles[rng.below(std::size(kSubtitles))]);
  if (type == "ref_image") {
    return Json{
        {"ref", hex24(rng)}, {"refType", "id"}, {"mimetype", "image/png"}, {"name", "unit.png"}};
  }
  // note
  return Json{{"box", Json::array({point3(rng), point3(rng)})},
              {"note",
               {{"messages",
                 Json::array({Json{
                     {"body", "please check"}, {"creator", creator}, {"time", 1700000000000}}})},
                {"status", "open"},
                {"createTime", 1700000000000},
                {"creator", creator},
                {"assignee", "annotator1@example.com"}}}};
}

}  // namespace

std::string_view generated_label(const GeneratedAnnotation& annotation) {
  return kLabels[(annotation.seed >> 7) % std::size(kLabels)];
}

Json materialize_annotation(const GeneratedAnnotation& annotation, const AnnotationContext& ctx) {
  SplitMix64 rng(annotation.seed);
  const std::string_view type = kAnnotationTypes[annotation.type % kAnnotationTypes.size()];
  const std::string_view label = generated_label(annotation);
  const std::string_view creator = kCreators[rng.below(std::size(kCreators))];
  const std::string& item_id = ctx.item["id"].get_ref<const std::string&>();
  const std::string& dataset_id = ctx.item["datasetId"].get_ref<const std::string&>();

  std::string mimetype;
  const Json* system = find_path(ctx.item, "metadata.system.mimetype");
  if (system != nullptr && system->is_string()) mimetype = system->get<std::string>();
  const bool video = mimetype.starts_with("video/");
  const bool audio = mimetype.starts_with("audio/");

  Json start_time = 0, end_time = 0, frame = 0, end_frame = 0;
  Json snapshots = Json::array();
  if (video) {
    std::int64_t f = static_cast<std::int64_t>(rng.below(200));
    std::int64_t e = f + 10 + static_cast<std::int64_t>(rng.below(100));
    frame = f;
    end_frame = e;
    start_time = static_cast<double>(f) / 30.0;
    end_time = static_cast<double>(e) / 30.0;
    if (type == "box" || type == "point" || type == "class") {
      for (std::int64_t s = f + 5; s < e; s += 20) {
        Json data = type == "box"     ? Json::array({point3(rng), point3(rng)})
                    : type == "point" ? point3(rng)
                                      : Json::array();
        snapshots.push_back(Json{{"frame", s},
                                 {"fixed", true},
                                 {"type", "transition"},
                                 {"objectVisible", true},
                                 {"data", data},
                                 {"label", label},
                                 {"attributes", Json::array()},
                                 {"namedAttributes", Json::object()}});
      }
    }
  } else if (audio) {
    double s = rng.coord(0, 60);
    double e = s + rng.coord(0.5, 10);
    start_time = s;
    end_time = e;
    frame = static_cast<std::int64_t>(s * 1000);
    end_frame = static_cast<std::int64_t>(e * 1000);
  }

  Json attributes = rng.chance(20) ? Json::array({"occluded"}) : Json::array();
  Json named = rng.chance(25) ? Json{{"1", "red"}} : Json::object();
  Json meta_system = {{"status", rng.chance(20) ? Json("approved") : Json(nullptr)},
                      {"startTime", start_time},
                      {"endTime", end_time},
                      {"frame", frame},
                      {"endFrame", end_frame},
                      {"snapshots_", std::move(snapshots)},
                      {"parentId", nullptr},
                      {"clientId", uuid(rng)},
                      {"automated", rng.chance(30)},
                      {"objectId", nullptr},
                      {"isOpen", false},
                      {"isOnlyLocal", false},
                      {"attributes", std::move(named)},
                      {"clientParentId", nullptr},
                      {"system", false},
                      {"description", nullptr},
                      {"itemLinks", Json::array()},
                      {"openAnnotationVersion", "1.56.0-prod.31"},
                      {"recipeId", ctx.recipe_id.empty() ? Json(nullptr) : Json(ctx.recipe_id)}};
  Json user = rng.chance(15) ? Json{{"reviewed", true}} : Json::object();
  const std::string created = iso_from_millis(annotation.created_ms);
  const std::string updated =
      iso_from_millis(annotation.created_ms + static_cast<std::int64_t>(rng.below(86400000)));

  Json out = Json::object();
  out["id"] = ctx.id;
  out["datasetId"] = dataset_id;
  out["type"] = type;
  out["label"] = label;
  out["attributes"] = std::move(attributes);
  out["metadata"] = Json{{"system", std::move(meta_system)}, {"user", std::move(user)}};
  out["creator"] = creator;
  out["createdAt"] = created;
  out["updatedBy"] = creator;
  out["updatedAt"] = updated;
  out["itemId"] = item_id;
  out["url"] = entity_url(ctx.base_url, Kind::kAnnotation, ctx.id);
  out["item"] = entity_url(ctx.base_url, Kind::kItem, item_id);
  out["dataset"] = entity_url(ctx.base_url, Kind::kDataset, dataset_id);
  out["hash"] = "0000000000000000" + ctx.id;
  out["source"] = rng.chance(30) ? "model" : "ui";
  out["coordinates"] = coordinates(type, rng, label, creator);
  return out;
}

Json generate_item(SplitMix64& rng, std::uint64_t index, const std::string& id, const Json& dataset,
                   const std::string& base_url, std::int64_t created_ms) {
  const Media& media = kMedia[rng.below(std::size(kMedia))];
  std::string dir = "/";
  auto depth = rng.below(4);
  for (std::uint64_t d = 0; d < depth; ++d) {
    if (dir.size() > 1) dir += '/';
    dir += kDirs[rng.below(std::size(kDirs))];
  }
  char number[24];
  std::snprintf(number, sizeof(number), "_%06llu", static_cast<unsigned long long>(index));
  std::string name =
      std::string(kStems[rng.below(std::size(kStems))]) + number + std::string(media.ext);

  Json system = {{"originalname", name},
                 {"size", 1000 + rng.below(5000000)},
                 {"encoding", "7bit"},
                 {"mimetype", media.mimetype},
                 {"refs", Json::array()},
                 {"taskStatusLog", Json::array()},
                 {"isBinary", media.mimetype != "text/plain"}};
  if (media.mimetype.starts_with("image/")) {
    system["exif"] = Json::object();
    system["width"] = 320 * (1 + rng.below(6));
    system["height"] = 240 * (1 + rng.below(6));
    system["channels"] = media.mimetype == "image/png" ? 4 : 3;
  } else if (media.mimetype.starts_with("video/")) {
    auto fps = rng.chance(50) ? 30 : 25;
    auto frames = 100 + rng.below(900);
    system["width"] = 1280;
    system["height"] = 720;
    system["fps"] = fps;
    system["nb_frames"] = frames;
    system["duration"] = std::round(static_cast<double>(frames) / fps * 1000.0) / 1000.0;
    system["startTime"] = 0;
  } else if (media.mimetype.starts_with("audio/")) {
    system["duration"] = rng.coord(1, 120);
    system["sampleRate"] = 44100;
    system["channels"] = 2;
  }
  Json metadata = {{"system", std::move(system)}};
  if (rng.chance(40)) {
    metadata["user"] = Json{{"batch", rng.below(10)}, {"split", rng.chance(80) ? "train" : "val"}};
  }

  const std::string created = iso_from_millis(created_ms);
  const std::string dataset_id = dataset["id"].get<std::string>();
  const std::string url = entity_url(base_url, Kind::kItem, id);
  const std::string creator = std::string(kCreators[rng.below(std::size(kCreators))]);
  Json item = Json::object();
  item["id"] = id;
  item["datasetId"] = dataset_id;
  item["createdAt"] = created;
  item["dir"] = dir;
  item["filename"] = join_filename(dir, name);
  item["type"] = "file";
  item["hidden"] = false;
  item["metadata"] = std::move(metadata);
  item["name"] = name;
  item["url"] = url;
  item["dataset"] = entity_url(base_url, Kind::kDataset, dataset_id);
  item["annotationsCount"] = 0;
  item["annotated"] = false;
  item["stream"] = url + "/stream";
  item["thumbnail"] = url + "/thumbnail";
  item["annotations"] = url + "/annotations";
  item["creator"] = creator;
  item["updatedAt"] = created;
  item["updatedBy"] = creator;
  item["spec"] = "MasterItemSpec";
  item["srcItem"] = nullptr;
  item["srcDataset"] = nullptr;
  const Json& projects = dataset["projects"];
  if (projects.is_array() && !projects.empty()) item["projectId"] = projects[0];
  return item;
}

}  // namespace dlexport::emulator
