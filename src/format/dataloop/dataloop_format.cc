#include "format/dataloop/dataloop_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "format/python_json.h"

// How this file is organised: the SDK parses every annotation into objects and serialises them
// again (dtlpy Annotation.from_json / to_json, FrameAnnotation, the annotation definitions). We
// model only what reaches the bytes: plan_annotation() mirrors the parse (failing exactly where
// the SDK would raise, so we can keep the annotation raw instead of dropping it) and records
// pointers into the input; emit_annotation() writes the SDK's output straight into the JSON
// stream without building an intermediate document.

namespace dlexport::format {
namespace {

// The values the SDK substitutes for missing ones, as nodes of one document.
const JsonNode& constant(std::size_t i) {
  static const std::shared_ptr<const JsonDoc> doc = JsonDoc::from_json(
      Json::array({nullptr, Json::array(), Json::object(), 0, 1.5, true, false}));
  return doc->root().at(i);
}
const JsonNode& json_null() { return constant(0); }
const JsonNode& json_empty_list() { return constant(1); }
const JsonNode& json_empty_dict() { return constant(2); }
const JsonNode& json_zero() { return constant(3); }
const JsonNode& json_one_point_five() { return constant(4); }
const JsonNode& json_true() { return constant(5); }
const JsonNode& json_false() { return constant(6); }

// The types item.annotations.list() asks for (WIRE §5.1): everything else, notes included, is
// never exported.
constexpr std::string_view kListedTypes[] = {
    "box",       "cube",    "cube_3d",         "class",       "comparison", "ellipse",
    "point",     "segment", "polyline",        "pose",        "binary",     "subtitle",
    "text_mark", "gis",     "ref_semantic_3d", "polyline_3d", "text",       "ref_image"};

// dict lookup; nullptr when absent or when obj is not an object.
const JsonNode* member(const JsonNode* obj, std::string_view key) {
  return obj == nullptr ? nullptr : obj->find(key);
}

// dict.get(key) -> None for a missing key or a JSON null.
const JsonNode* get_not_none(const JsonNode* obj, std::string_view key) {
  const JsonNode* v = member(obj, key);
  return v != nullptr && !v->is_null() ? v : nullptr;
}

bool is_none(const JsonNode* v) { return v == nullptr || v->is_null(); }

// Python's == for the ids it compares: strings directly, anything else as Json values.
bool equal(const JsonNode& a, const JsonNode& b) {
  if (a.is_string() && b.is_string()) return a.string() == b.string();
  return to_json(a) == to_json(b);
}

// Python's float(x) for the numbers Python's json module produces (bool is excluded: the SDK
// would accept it, but a bool coordinate is corrupt data we would rather keep raw).
bool to_double(const JsonNode& v, double* out) {
  switch (v.type()) {
    case JsonNode::Type::kInt:
      *out = static_cast<double>(v.int_value());
      return true;
    case JsonNode::Type::kUint:
      *out = static_cast<double>(v.uint_value());
      return true;
    case JsonNode::Type::kFloat:
      *out = v.float_value();
      return true;
    case JsonNode::Type::kBigInt: {
      const std::string digits(v.string());
      *out = std::strtod(digits.c_str(), nullptr);  // correctly rounded, like float(int)
      return true;
    }
    default:
      return false;
  }
}

bool truthy(const JsonNode* v) {
  if (v == nullptr) return false;
  switch (v->type()) {
    case JsonNode::Type::kNull:
      return false;
    case JsonNode::Type::kBool:
      return v->bool_value();
    case JsonNode::Type::kInt:
      return v->int_value() != 0;
    case JsonNode::Type::kUint:
      return v->uint_value() != 0;
    case JsonNode::Type::kFloat:
      return v->float_value() != 0.0;
    case JsonNode::Type::kString:
      return !v->string().empty();
    case JsonNode::Type::kArray:
    case JsonNode::Type::kObject:
      return !v->empty();
    case JsonNode::Type::kBigInt:
      return true;  // beyond 64 bits, so never zero
  }
  return true;
}

// Python int(x) as ReflectDict does for its bounds; None -> 0.
bool to_frame_bound(const JsonNode* v, std::int64_t* out) {
  if (is_none(v)) {
    *out = 0;
    return true;
  }
  switch (v->type()) {
    case JsonNode::Type::kInt:
      *out = v->int_value();
      return true;
    case JsonNode::Type::kUint:
      if (v->uint_value() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return false;
      }
      *out = static_cast<std::int64_t>(v->uint_value());
      return true;
    case JsonNode::Type::kFloat: {
      const double d = v->float_value();
      if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return false;
      *out = static_cast<std::int64_t>(std::trunc(d));
      return true;
    }
    default:
      return false;
  }
}

// A frame key: ReflectDict accepts Python ints only.
bool to_frame_key(const JsonNode* v, std::int64_t* out) {
  if (v == nullptr || !v->is_integer()) return false;
  return to_frame_bound(v, out);
}

enum class Kind {
  kBox,
  kPolyline,  // segment and polyline: first ring/line only, z dropped
  kPoint,
  kEllipse,
  kCube,
  kCube3d,
  kPose,
  kClass,
  kSubtitle,
  kGis,
  kPassthrough,  // binary, comparison and the types the SDK does not model
};

Kind kind_of(std::string_view type) {
  if (type == "box") return Kind::kBox;
  if (type == "segment" || type == "polyline") return Kind::kPolyline;
  if (type == "point") return Kind::kPoint;
  if (type == "ellipse") return Kind::kEllipse;
  if (type == "cube") return Kind::kCube;
  if (type == "cube_3d") return Kind::kCube3d;
  if (type == "pose") return Kind::kPose;
  if (type == "class") return Kind::kClass;
  if (type == "subtitle") return Kind::kSubtitle;
  if (type == "gis") return Kind::kGis;
  return Kind::kPassthrough;
}

constexpr std::string_view kCubeKeys[] = {"front_tl", "front_tr", "front_br", "front_bl",
                                          "back_tl",  "back_tr",  "back_br",  "back_bl"};
constexpr std::string_view kCube3dKeys[] = {"position", "scale", "rotation"};

// One parsed annotation definition (the geometry of one frame).
struct Def {
  Kind kind = Kind::kPassthrough;
  const JsonNode* label = nullptr;        // nullptr: null
  const JsonNode* attributes = nullptr;   // named attributes dict (json_empty_dict() when none)
  const JsonNode* description = nullptr;  // only on the annotation's current frame
  std::vector<double> nums;               // coordinates as floats, layout per kind
  const JsonNode* a = nullptr;            // box angle, cube angle, pose templateId, subtitle text,
                                          // gis geo_type, passthrough coordinates
  const JsonNode* b = nullptr;            // pose instanceId, gis wgs84_geo_coordinates
};

struct DefInput {
  const JsonNode* coords = nullptr;  // nullptr: neither "coordinates" nor "data" present
  bool coords_from_data = false;
  const JsonNode* label = nullptr;  // nullptr: key absent
  bool has_named = false;           // 'namedAttributes' key present
  const JsonNode* named = nullptr;
  const JsonNode* attributes = nullptr;  // 'attributes' value (nullptr: absent)
};

bool xy(const JsonNode& pt, double* x, double* y) {
  if (!pt.is_object()) return false;
  const JsonNode* jx = member(&pt, "x");
  const JsonNode* jy = member(&pt, "y");
  return jx != nullptr && jy != nullptr && to_double(*jx, x) && to_double(*jy, y);
}

bool parse_def(Kind kind, const DefInput& in, Def* def, std::string* why) {
  def->kind = kind;
  // FrameAnnotation.json_to_annotation_definition + BaseAnnotationDefinition.__init__.
  const JsonNode* attrs =
      in.has_named
          ? in.named
          : (in.attributes != nullptr && in.attributes->is_object() ? in.attributes : nullptr);
  if (attrs != nullptr && truthy(attrs) && !attrs->is_object()) {
    *why = "named attributes are not an object";
    return false;
  }
  def->attributes = attrs != nullptr && attrs->is_object() ? attrs : &json_empty_dict();

  def->label = in.label;

  const JsonNode* c = in.coords;
  switch (kind) {
    case Kind::kBox: {
      if (is_none(c) || !c->is_array() || c->empty()) {
        *why = "box coordinates are not a list of points";
        return false;
      }
      double l = 0, t = 0, r = 0, b = 0;
      const std::size_t n = std::min<std::size_t>(c->size(), 2);
      bool any_nan = false;
      for (std::size_t i = 0; i < n; ++i) {
        double x, y;
        if (!xy(c->at(i), &x, &y)) {
          *why = "box point without numeric x/y";
          return false;
        }
        any_nan = any_nan || std::isnan(x) || std::isnan(y);
        if (i == 0) {
          l = r = x;
          t = b = y;
        } else {
          l = std::min(l, x);
          r = std::max(r, x);
          t = std::min(t, y);
          b = std::max(b, y);
        }
      }
      if (any_nan) {
        *why = "box point is NaN";
        return false;
      }
      def->nums = {l, t, r, b};
      if (c->size() > 2) {
        const JsonNode& angle = c->at(2);
        double d;
        if (angle.is_bool()) {
          if (angle.bool_value()) def->a = &angle;
        } else if (to_double(angle, &d) && d != 0.0) {
          def->a = &angle;
        }
      }
      break;
    }
    case Kind::kPolyline: {
      if (is_none(c) || !c->is_array() || c->empty() || !c->at(0).is_array()) {
        *why = "coordinates are not a list of point lists";
        return false;
      }
      const JsonNode& ring = c->at(0);
      def->nums.reserve(ring.size() * 2);
      for (const JsonNode& pt : ring.children()) {
        double x, y;
        if (!xy(pt, &x, &y)) {
          *why = "point without numeric x/y";
          return false;
        }
        def->nums.push_back(x);
        def->nums.push_back(y);
      }
      break;
    }
    case Kind::kPoint: {
      double x, y;
      if (is_none(c) || !xy(*c, &x, &y)) {
        *why = "point coordinates without numeric x/y";
        return false;
      }
      def->nums = {x, y};
      break;
    }
    case Kind::kEllipse: {
      double angle, x, y, rx, ry;
      const JsonNode* center = member(c, "center");
      const JsonNode* ja = member(c, "angle");
      const JsonNode* jrx = member(c, "rx");
      const JsonNode* jry = member(c, "ry");
      if (ja == nullptr || center == nullptr || jrx == nullptr || jry == nullptr ||
          !to_double(*ja, &angle) || !xy(*center, &x, &y) || !to_double(*jrx, &rx) ||
          !to_double(*jry, &ry)) {
        *why = "ellipse coordinates incomplete";
        return false;
      }
      def->nums = {angle, x, y, rx, ry};
      break;
    }
    case Kind::kCube: {
      def->nums.reserve(16);
      for (auto key : kCubeKeys) {
        double x, y;
        const JsonNode* pt = member(c, key);
        if (pt == nullptr || !xy(*pt, &x, &y)) {
          *why = fmt::format("cube corner {} missing or not numeric", key);
          return false;
        }
        def->nums.push_back(x);
        def->nums.push_back(y);
      }
      def->a = member(c, "angle");
      if (is_none(def->a)) {
        *why = "cube without angle (the SDK's export raises)";
        return false;
      }
      break;
    }
    case Kind::kCube3d: {
      def->nums.reserve(9);
      for (auto key : kCube3dKeys) {
        const JsonNode* v = member(c, key);
        if (v == nullptr || !v->is_object() || v->size() != 3) {
          *why = fmt::format("cube_3d {} is not a 3-vector", key);
          return false;
        }
        // The SDK takes the values by position, not by key.
        for (const JsonNode& value : v->children()) {
          double d;
          if (!to_double(value, &d)) {
            *why = fmt::format("cube_3d {} is not numeric", key);
            return false;
          }
          def->nums.push_back(d);
        }
      }
      break;
    }
    case Kind::kPose: {
      if (in.coords_from_data || c == nullptr || !c->is_object()) {
        *why = "pose coordinates missing";
        return false;
      }
      def->a = member(c, "templateId");
      def->b = member(c, "instanceId");
      if (def->a == nullptr || def->b == nullptr) {
        *why = "pose coordinates without templateId/instanceId";
        return false;
      }
      if (def->b->is_null()) {
        *why = "pose without instanceId (the SDK would invent a random one)";
        return false;
      }
      break;
    }
    case Kind::kClass:
      break;
    case Kind::kSubtitle:
      def->a = member(c, "text");
      if (def->a == nullptr) {
        *why = "subtitle coordinates without text";
        return false;
      }
      break;
    case Kind::kGis: {
      const JsonNode* gc = c == nullptr ? &json_empty_dict() : c;
      if (!gc->is_object()) {
        *why = "gis coordinates are not an object";
        return false;
      }
      def->b = get_not_none(gc, "wgs84_geo_coordinates");
      if (def->b == nullptr) {
        *why = "gis coordinates without wgs84_geo_coordinates";
        return false;
      }
      def->a = member(gc, "geo_type");
      break;
    }
    case Kind::kPassthrough:
      def->a = c == nullptr ? &json_empty_dict() : c;
      break;
  }
  return true;
}

struct Frame {
  std::int64_t num = 0;
  Def def;
  const JsonNode* fixed = nullptr;
  const JsonNode* visible = nullptr;
  const JsonNode* recipe1 = nullptr;  // legacy attributes list (nullptr: None)
};

struct ItemContext {
  bool is_video = false;
  bool is_audio = false;
  const JsonNode* id = nullptr;
  const JsonNode* url = nullptr;
  const JsonNode* dataset_url = nullptr;
  const JsonNode* dataset_id = nullptr;
};

struct Plan {
  const JsonNode* a = nullptr;
  std::string_view type;
  Kind kind = Kind::kPassthrough;
  const JsonNode* metadata = nullptr;  // nullptr: absent
  const JsonNode* system = nullptr;    // nullptr: absent
  Def image_def;                       // non-video definition
  std::vector<Frame> frames;           // video frame model (empty otherwise)
  std::size_t current = 0;             // index of the first frame in `frames`
  std::int64_t frames_start = 0;
  const JsonNode* start_frame = nullptr;
  const JsonNode* start_time = nullptr;
  const JsonNode* end_frame = nullptr;  // nullptr: None
  const JsonNode* end_time = nullptr;   // nullptr: None
  const JsonNode* automated = nullptr;
  const JsonNode* object_id = nullptr;
  const JsonNode* status = nullptr;
  bool write_frame_info = false;
  const JsonNode* item_id = nullptr;
  const JsonNode* item_url = nullptr;
  const JsonNode* dataset_url = nullptr;
  const JsonNode* dataset_id = nullptr;

  const Def& def() const { return frames.empty() ? image_def : frames[current].def; }
};

// Plan{} without giving up the vectors' memory (an item's annotations reuse one plan).
void reset(Plan& p) {
  std::vector<double> nums = std::move(p.image_def.nums);
  std::vector<Frame> frames = std::move(p.frames);
  nums.clear();
  frames.clear();
  p = Plan{};
  p.image_def.nums = std::move(nums);
  p.frames = std::move(frames);
}

DefInput snapshot_input(const JsonNode& s, std::string_view type) {
  DefInput in;
  if (const JsonNode* c = member(&s, "coordinates")) {
    in.coords = c;
  } else if (const JsonNode* d = member(&s, "data")) {
    in.coords = d;
    in.coords_from_data = true;
  }
  (void)type;
  in.label = member(&s, "label");
  in.named = member(&s, "namedAttributes");
  in.has_named = in.named != nullptr;
  in.attributes = member(&s, "attributes");
  return in;
}

// Comparison and the types the SDK does not model read the label with .get(); the rest index it.
bool label_required(std::string_view type) {
  return kind_of(type) != Kind::kPassthrough || type == "binary";
}

bool add_frame(Plan* p, Frame frame) {
  for (auto& f : p->frames) {
    if (f.num == frame.num) {
      f = std::move(frame);
      return true;
    }
  }
  p->frames.push_back(std::move(frame));
  return true;
}

// Mirrors Annotation.from_json; false (with `why`) wherever the SDK would raise.
bool plan_annotation(const JsonNode& a, std::string_view type, const ItemContext& item, Plan* p,
                     std::string* why) {
  p->a = &a;
  p->type = type;
  p->kind = kind_of(type);
  for (auto key : {"creator", "createdAt", "updatedBy", "updatedAt", "label"}) {
    if (member(&a, key) == nullptr) {
      *why = fmt::format("missing required key '{}'", key);
      return false;
    }
  }
  p->metadata = member(&a, "metadata");
  if (p->metadata != nullptr && !p->metadata->is_object()) {
    *why = "metadata is not an object";
    return false;
  }
  p->system = member(p->metadata, "system");
  if (p->system != nullptr && !p->system->is_object()) {
    *why = "metadata.system is not an object";
    return false;
  }
  p->object_id = get_not_none(p->system, "objectId");
  p->status = get_not_none(p->system, "status");
  const JsonNode* named = member(p->system, "attributes");
  const JsonNode* recipe1 = member(&a, "attributes");

  p->item_id = member(&a, "itemId");
  if (p->item_id == nullptr) p->item_id = item.id;
  p->item_url = member(&a, "item");
  if (p->item_url == nullptr) p->item_url = item.url;
  p->dataset_url = member(&a, "dataset");
  if (p->dataset_url == nullptr) p->dataset_url = item.dataset_url;
  p->dataset_id = member(&a, "datasetId");
  if (p->dataset_id == nullptr) p->dataset_id = item.dataset_id;
  const bool item_matches = equal(item.id == nullptr ? json_null() : *item.id,
                                  p->item_id == nullptr ? json_null() : *p->item_id);
  if (item_matches && is_none(p->dataset_id)) p->dataset_id = item.dataset_id;

  p->start_frame = &json_zero();
  p->start_time = &json_zero();
  const JsonNode* first_coords = &json_empty_list();
  if (item.is_video || item.is_audio) {
    p->end_time = &json_one_point_five();
    if (const JsonNode* c = member(&a, "coordinates")) first_coords = c;
    if (p->system != nullptr) {
      if (const JsonNode* v = member(p->system, "frame")) p->start_frame = v;
      if (const JsonNode* v = member(p->system, "startTime")) p->start_time = v;
      p->automated = get_not_none(p->system, "automated");
      p->end_frame = get_not_none(p->system, "endFrame");
      if (const JsonNode* v = member(p->system, "endTime"))
        p->end_time = v->is_null() ? nullptr : v;
    }
  }
  if (!item.is_video || item.is_audio) {
    if (!item.is_audio) p->end_time = &json_zero();
    if (p->system != nullptr) p->automated = get_not_none(p->system, "automated");
    DefInput in;
    in.coords = member(&a, "coordinates");
    if (in.coords == nullptr) in.coords = &json_empty_list();
    in.label = member(&a, "label");
    in.attributes = named;
    if (!parse_def(p->kind, in, &p->image_def, why)) return false;
  }
  std::int64_t start_bound, end_bound;
  if (!to_frame_bound(p->start_frame, &start_bound) || !to_frame_bound(p->end_frame, &end_bound)) {
    *why = "frame/endFrame is not a number";
    return false;
  }

  const JsonNode* description = get_not_none(&a, "description");
  if (description != nullptr && !description->is_string()) {
    *why = "description is not a string";
    return false;
  }

  if (item.is_video) {
    Frame first;
    DefInput in;
    in.coords = first_coords;
    in.label = member(&a, "label");
    in.has_named = true;
    in.named = named;
    in.attributes = recipe1;
    if (!parse_def(p->kind, in, &first.def, why)) return false;
    if (!to_frame_key(p->start_frame, &first.num)) {
      *why = "metadata.system.frame is not an integer";
      return false;
    }
    first.fixed = &json_true();
    first.visible = &json_true();
    first.recipe1 = recipe1;
    std::int64_t lo = start_bound, hi = end_bound;
    auto track = [&](std::int64_t key) {
      hi = std::max(hi, key);
      lo = std::min(lo, key);
    };
    track(first.num);
    add_frame(p, std::move(first));
    if (p->system == nullptr) {
      *why = "video annotation without metadata.system";
      return false;
    }
    const JsonNode* snapshots = member(p->system, "snapshots_");
    if (snapshots != nullptr && !snapshots->is_array()) {
      *why = "snapshots_ is not a list";
      return false;
    }
    if (snapshots != nullptr) {
      for (const JsonNode& s : snapshots->children()) {
        if (!s.is_object()) {
          *why = "snapshot is not an object";
          return false;
        }
        Frame f;
        if (!parse_def(p->kind, snapshot_input(s, type), &f.def, why)) {
          *why = "snapshot: " + *why;
          return false;
        }
        if (label_required(type) && member(&s, "label") == nullptr) {
          *why = "snapshot without label";
          return false;
        }
        if (const JsonNode* fr = member(&s, "frame")) {
          if (!to_frame_key(fr, &f.num)) {
            *why = "snapshot frame is not an integer";
            return false;
          }
        } else {
          std::int64_t last = std::numeric_limits<std::int64_t>::min();
          for (const auto& g : p->frames) last = std::max(last, g.num);
          f.num = last + 1;
        }
        f.fixed = member(&s, "fixed");
        if (f.fixed == nullptr) f.fixed = &json_false();
        f.visible = member(&s, "objectVisible");
        if (f.visible == nullptr) f.visible = &json_true();
        f.recipe1 = member(&s, "attributes");
        track(f.num);
        add_frame(p, std::move(f));
      }
    }
    p->frames_start = lo;
    (void)hi;  // snapshots past endFrame stay: the frame dict grows its end
    p->current = 0;
    for (std::size_t i = 1; i < p->frames.size(); ++i) {
      if (p->frames[i].num < p->frames[p->current].num) p->current = i;
    }
    p->frames[p->current].def.description = description;
    p->write_frame_info = true;
  } else {
    p->image_def.description = description;
    auto positive = [&](const JsonNode* v, bool* out) {
      *out = false;
      if (!truthy(v)) return true;
      double d;
      if (!to_double(*v, &d)) return v->is_bool() ? (*out = true, true) : false;
      *out = d > 0;
      return true;
    };
    bool time_positive, frame_positive;
    if (!positive(p->end_time, &time_positive) || !positive(p->end_frame, &frame_positive)) {
      *why = "endTime/endFrame is not a number";
      return false;
    }
    p->write_frame_info = time_positive || frame_positive;
  }
  if (label_required(type) && p->def().label == nullptr) {
    *why = "missing label";
    return false;
  }
  return true;
}

void write_or_null(JsonWriter& w, const JsonNode* v) {
  if (v == nullptr) {
    w.null_value();
  } else {
    w.value(*v);
  }
}

void emit_xy_points(JsonWriter& w, const std::vector<double>& nums, std::size_t from,
                    std::size_t count, bool with_z) {
  for (std::size_t i = 0; i < count; ++i) {
    w.begin_object();
    w.key("x");
    w.float_value(nums[from + 2 * i]);
    w.key("y");
    w.float_value(nums[from + 2 * i + 1]);
    if (with_z) {
      w.key("z");
      w.int_value(0);
    }
    w.end_object();
  }
}

void emit_coords(JsonWriter& w, const Def& d) {
  switch (d.kind) {
    case Kind::kBox:
      w.begin_array();
      emit_xy_points(w, d.nums, 0, 2, true);
      if (d.a != nullptr) w.value(*d.a);
      w.end_array();
      return;
    case Kind::kPolyline:
      w.begin_array();
      w.begin_array();
      emit_xy_points(w, d.nums, 0, d.nums.size() / 2, false);
      w.end_array();
      w.end_array();
      return;
    case Kind::kPoint:
      w.begin_object();
      w.key("x");
      w.float_value(d.nums[0]);
      w.key("y");
      w.float_value(d.nums[1]);
      w.key("z");
      w.float_value(0.0);
      w.end_object();
      return;
    case Kind::kEllipse:
      w.begin_object();
      w.key("angle");
      w.float_value(d.nums[0]);
      w.key("center");
      emit_xy_points(w, d.nums, 1, 1, true);
      w.key("rx");
      w.float_value(d.nums[3]);
      w.key("ry");
      w.float_value(d.nums[4]);
      w.end_object();
      return;
    case Kind::kCube:
      w.begin_object();
      for (std::size_t i = 0; i < 8; ++i) {
        w.key(kCubeKeys[i]);
        emit_xy_points(w, d.nums, 2 * i, 1, true);
      }
      w.key("angle");
      w.value(*d.a);
      w.end_object();
      return;
    case Kind::kCube3d:
      w.begin_object();
      for (std::size_t i = 0; i < 3; ++i) {
        w.key(kCube3dKeys[i]);
        w.begin_object();
        w.key("x");
        w.float_value(d.nums[3 * i]);
        w.key("y");
        w.float_value(d.nums[3 * i + 1]);
        w.key("z");
        w.float_value(d.nums[3 * i + 2]);
        w.end_object();
      }
      w.end_object();
      return;
    case Kind::kPose:
      w.begin_object();
      w.key("templateId");
      w.value(*d.a);
      w.key("instanceId");
      w.value(*d.b);
      w.end_object();
      return;
    case Kind::kClass:
      w.begin_array();
      w.end_array();
      return;
    case Kind::kSubtitle:
      w.begin_object();
      w.key("text");
      w.value(*d.a);
      w.end_object();
      return;
    case Kind::kGis:
      w.begin_object();
      w.key("geo_type");
      write_or_null(w, d.a);
      w.key("wgs84_geo_coordinates");
      w.value(*d.b);
      w.end_object();
      return;
    case Kind::kPassthrough:
      w.value(*d.a);
      return;
  }
}

void emit_snapshot(JsonWriter& w, const Frame& f, std::string_view type) {
  w.begin_object();
  w.key("frame");
  w.int_value(f.num);
  w.key("fixed");
  w.value(*f.fixed);
  w.key("label");
  write_or_null(w, f.def.label);
  w.key("type");
  w.string_value(type);
  w.key("objectVisible");
  w.value(*f.visible);
  w.key("data");
  emit_coords(w, f.def);
  if (f.def.description != nullptr) {
    w.key("description");
    w.value(*f.def.description);
  }
  w.key("namedAttributes");
  w.value(*f.def.attributes);
  if (!is_none(f.recipe1)) {
    w.key("attributes");
    w.value(*f.recipe1);
  }
  w.end_object();
}

// A raw video subtitle snapshot as the SDK leaves it: edited in place while being parsed.
void emit_mutated_snapshot(JsonWriter& w, const JsonNode& s, std::string_view type) {
  const JsonNode* named = member(&s, "namedAttributes");
  const JsonNode* attributes = member(&s, "attributes");
  const JsonNode* new_attributes =
      named != nullptr ? named
                       : (attributes != nullptr && attributes->is_object() ? attributes : nullptr);
  bool wrote_type = false, wrote_attributes = false;
  w.begin_object();
  for (const JsonNode& value : s.children()) {
    const std::string_view key = value.key();
    w.key(key);
    if (key == "type") {
      w.string_value(type);
      wrote_type = true;
    } else if (key == "attributes") {
      write_or_null(w, new_attributes);
      wrote_attributes = true;
    } else {
      w.value(value);
    }
  }
  if (!wrote_type) {
    w.key("type");
    w.string_value(type);
  }
  if (!wrote_attributes) {
    w.key("attributes");
    write_or_null(w, new_attributes);
  }
  w.end_object();
}

enum class Override {
  kAutomated,
  kObjectId,
  kStatus,
  kAttributes,
  kFrame,
  kStartTime,
  kEndTime,
  kEndFrame,
  kSnapshots
};
constexpr std::string_view kOverrideKeys[] = {"automated",  "objectId", "status",
                                              "attributes", "frame",    "startTime",
                                              "endTime",    "endFrame", "snapshots_"};

void emit_system(JsonWriter& w, const Plan& p) {
  // The keys Annotation.to_json assigns, in assignment order; a key already present keeps its
  // place (Python dict semantics), the others are appended.
  bool active[9] = {};
  active[0] = p.automated != nullptr;
  active[1] = p.object_id != nullptr;
  active[2] = p.status != nullptr;
  active[3] = true;
  if (p.write_frame_info) {
    active[4] = active[5] = active[6] = true;
    active[7] = p.end_frame != nullptr;
    active[8] = p.type != "subtitle";
  }
  const bool mutated_snapshots = !p.frames.empty() && p.type == "subtitle";
  auto emit_override = [&](std::size_t i) {
    switch (static_cast<Override>(i)) {
      case Override::kAutomated:
        w.value(*p.automated);
        return;
      case Override::kObjectId:
        w.value(*p.object_id);
        return;
      case Override::kStatus:
        if (p.status->is_string() && p.status->string() == "clear") {
          w.null_value();
        } else {
          w.value(*p.status);
        }
        return;
      case Override::kAttributes:
        w.value(*p.def().attributes);
        return;
      case Override::kFrame:
        w.value(*p.start_frame);
        return;
      case Override::kStartTime:
        w.value(*p.start_time);
        return;
      case Override::kEndTime:
        write_or_null(w, p.end_time);
        return;
      case Override::kEndFrame:
        w.value(*p.end_frame);
        return;
      case Override::kSnapshots: {
        std::vector<const Frame*> order;
        for (const auto& f : p.frames) {
          if (f.num > p.frames_start) order.push_back(&f);
        }
        std::sort(order.begin(), order.end(),
                  [](const Frame* x, const Frame* y) { return x->num < y->num; });
        w.begin_array();
        for (const Frame* f : order) emit_snapshot(w, *f, p.type);
        w.end_array();
        return;
      }
    }
  };
  bool written[9] = {};
  w.begin_object();
  if (p.system != nullptr) {
    for (const JsonNode& value : p.system->children()) {
      const std::string_view key = value.key();
      w.key(key);
      std::size_t i = 0;
      while (i < 9 && !(active[i] && kOverrideKeys[i] == key)) ++i;
      if (i < 9) {
        emit_override(i);
        written[i] = true;
      } else if (mutated_snapshots && key == "snapshots_" && value.is_array()) {
        w.begin_array();
        for (const JsonNode& s : value.children()) emit_mutated_snapshot(w, s, p.type);
        w.end_array();
      } else {
        w.value(value);
      }
    }
  }
  for (std::size_t i = 0; i < 9; ++i) {
    if (active[i] && !written[i]) {
      w.key(kOverrideKeys[i]);
      emit_override(i);
    }
  }
  w.end_object();
}

void emit_annotation(JsonWriter& w, const Plan& p) {
  const JsonNode& a = *p.a;
  const Def& def = p.def();
  w.begin_object();
  w.key("id");
  const JsonNode* id = member(&a, "id");
  if (id == nullptr) id = member(&a, "_id");
  write_or_null(w, id);
  w.key("url");
  write_or_null(w, member(&a, "url"));
  w.key("creator");
  w.value(*member(&a, "creator"));
  w.key("metadata");
  w.begin_object();
  bool wrote_system = false;
  if (p.metadata != nullptr) {
    for (const JsonNode& value : p.metadata->children()) {
      const std::string_view key = value.key();
      w.key(key);
      if (key == "system") {
        emit_system(w, p);
        wrote_system = true;
      } else {
        w.value(value);
      }
    }
  }
  if (!wrote_system) {
    w.key("system");
    emit_system(w, p);
  }
  w.end_object();
  w.key("hash");
  write_or_null(w, member(&a, "hash"));
  w.key("itemId");
  write_or_null(w, p.item_id);
  w.key("item");
  write_or_null(w, p.item_url);
  w.key("label");
  write_or_null(w, def.label);
  w.key("dataset");
  write_or_null(w, p.dataset_url);
  for (std::string_view key : {"createdAt", "updatedBy", "updatedAt"}) {
    w.key(key);
    w.value(*member(&a, key));
  }
  w.key("source");
  write_or_null(w, member(&a, "source"));
  if (def.description != nullptr) {
    w.key("description");
    w.value(*def.description);
  }
  if (const JsonNode* suggestions = member(&a, "labelSuggestions"); truthy(suggestions)) {
    w.key("labelSuggestions");
    w.value(*suggestions);
  }
  w.key("datasetId");
  write_or_null(w, p.dataset_id);
  w.key("type");
  w.string_value(p.type);
  if (p.type != "class") {
    w.key("coordinates");
    emit_coords(w, def);
  }
  w.key("attributes");
  write_or_null(w, member(&a, "attributes"));
  w.end_object();
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// mimetypes.guess_type() for the extensions that decide video/audio handling when an item has
// no metadata.system.mimetype.
std::string_view guess_media(std::string_view filename) {
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string ext(filename.substr(dot + 1));
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  static constexpr std::string_view kVideo[] = {"mp4",  "m4v", "mov", "avi", "mkv", "webm",
                                                "mpeg", "mpg", "mpe", "wmv", "flv", "3gp",
                                                "ogv",  "qt",  "ts",  "mxf"};
  static constexpr std::string_view kAudio[] = {"mp3",  "wav",  "ogg", "oga", "flac", "m4a",
                                                "aac",  "opus", "wma", "mid", "midi", "aif",
                                                "aiff", "au",   "snd", "mp2", "ra"};
  for (auto e : kVideo) {
    if (ext == e) return "video";
  }
  for (auto e : kAudio) {
    if (ext == e) return "audio";
  }
  return {};
}

ItemContext item_context(const JsonNode& item) {
  ItemContext ctx;
  ctx.id = member(&item, "id");
  ctx.url = member(&item, "url");
  ctx.dataset_url = member(&item, "dataset");
  ctx.dataset_id = member(&item, "datasetId");
  const JsonNode* mimetype = get_not_none(member(member(&item, "metadata"), "system"), "mimetype");
  std::string_view kind;
  if (mimetype != nullptr && mimetype->is_string()) {
    kind = mimetype->string();
  } else if (const JsonNode* filename = member(&item, "filename");
             filename != nullptr && filename->is_string()) {
    kind = guess_media(filename->string());
  }
  ctx.is_video = contains(kind, "video");
  ctx.is_audio = contains(kind, "audio");
  return ctx;
}

std::string annotation_name(const JsonNode& a) {
  const JsonNode* id = member(&a, "id");
  if (id != nullptr && id->is_string()) return std::string(id->string());
  return "(without id)";
}

class DataloopFormat final : public Format {
 public:
  std::string_view name() const override { return "dataloop"; }
  std::string_view content_type() const override { return "application/json"; }

  using Format::encode;
  Result<EncodeResult> encode(const JsonNode& item,
                              std::span<const JsonNode* const> annotations) const override {
    if (!item.is_object()) return invalid_argument("item is not a JSON object");
    EncodeResult result;
    JsonWriter w(WriterStyle{}, 4096 + annotations.size() * 2048);
    const ItemContext ctx = item_context(item);

    // Item.to_json(): fixed key order, nulls for missing keys, optional keys only when not null.
    auto plain = [&](std::string_view key) {
      w.key(key);
      write_or_null(w, member(&item, key));
    };
    w.begin_object();
    plain("thumbnail");
    plain("annotated");
    w.key("metadata");
    const JsonNode* metadata = member(&item, "metadata");
    if (metadata == nullptr || metadata->is_object()) {
      w.begin_object();
      bool has_system = false;
      if (metadata != nullptr) {
        for (const JsonNode& value : metadata->children()) {
          const std::string_view key = value.key();
          w.key(key);
          w.value(value);
          has_system = has_system || key == "system";
        }
      }
      if (!has_system) {
        w.key("system");
        w.begin_object();
        w.end_object();
      }
      w.end_object();
    } else {
      w.value(*metadata);
    }
    for (auto key : {"filename", "stream", "name", "type", "url", "id"}) plain(key);
    w.key("hidden");
    if (const JsonNode* hidden = member(&item, "hidden")) {
      w.value(*hidden);
    } else {
      w.bool_value(false);
    }
    plain("dir");
    w.key("annotations");
    w.begin_array();
    Plan plan;
    std::string why;
    for (const JsonNode* annotation : annotations) {
      const JsonNode& a = *annotation;
      const JsonNode* type = member(&a, "type");
      if (type == nullptr || !type->is_string()) {
        result.warnings.push_back(
            fmt::format("annotation {}: no string 'type'; not exported (the SDK never lists it)",
                        annotation_name(a)));
        continue;
      }
      const std::string_view type_name = type->string();
      if (std::find(std::begin(kListedTypes), std::end(kListedTypes), type_name) ==
          std::end(kListedTypes)) {
        continue;  // notes and types the SDK does not list are never exported
      }
      reset(plan);
      why.clear();
      if (plan_annotation(a, type_name, ctx, &plan, &why)) {
        emit_annotation(w, plan);
      } else {
        w.value(a);
        result.warnings.push_back(
            fmt::format("annotation {}: kept as-is because the SDK would drop or alter it: {}",
                        annotation_name(a), why));
      }
    }
    w.end_array();
    for (auto key : {"annotationsCount", "dataset", "createdAt", "datasetId"}) plain(key);
    for (std::string_view key : {"spec", "creator", "description", "srcItem"}) {
      if (const JsonNode* v = get_not_none(&item, key)) {
        w.key(key);
        w.value(*v);
      }
    }
    plain("updatedAt");
    plain("updatedBy");
    w.end_object();
    result.bytes = w.take();
    return result;
  }
};

}  // namespace

FormatPtr make_dataloop_format(const FormatOptions& /*options*/) {
  return std::make_unique<DataloopFormat>();
}

}  // namespace dlexport::format
