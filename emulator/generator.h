#pragma once
// Generator: realistic, deterministic items and annotations for POST /__admin/generate.
//
// Everything is derived from a SplitMix64 stream (not std:: distributions, whose output
// differs between standard library versions), so one seed gives the same dataset content on
// every machine. Items are built as full platform JSON up front; annotations are kept as a
// compact GeneratedAnnotation (seed, type, time) and turned into platform JSON only when a
// query returns them — a million annotations then cost tens of bytes each, not kilobytes.
//
// Pure functions; no locking.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.h"

namespace dlexport::emulator {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, n) (n > 0).
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  // Uniform in [lo, hi), rounded to 2 decimals like UI-drawn coordinates.
  double coord(double lo, double hi);
  bool chance(unsigned percent) { return below(100) < percent; }

 private:
  std::uint64_t state_;
};

// The 18 exportable types of WIRE.md §5.1 (SDK default list order), then "note".
inline constexpr std::array<std::string_view, 19> kAnnotationTypes = {
    "box",         "cube",     "cube_3d",   "class",    "comparison",
    "ellipse",     "point",    "segment",   "polyline", "pose",
    "binary",      "subtitle", "text_mark", "gis",      "ref_semantic_3d",
    "polyline_3d", "text",     "ref_image", "note"};

// Index in kAnnotationTypes, or kAnnotationTypes.size() when unknown.
std::size_t annotation_type_index(std::string_view type);

struct GeneratedAnnotation {
  std::uint64_t seed = 0;       // drives every value of the annotation
  std::int64_t created_ms = 0;  // createdAt
  std::uint8_t type = 0;        // index in kAnnotationTypes
};

// What materialize_annotation needs to know besides the compact record.
struct AnnotationContext {
  const std::string& base_url;
  const std::string& id;         // the annotation's id
  const Json& item;              // the item's JSON (id, datasetId, metadata.system.mimetype)
  const std::string& recipe_id;  // dataset's first recipe ("" when none)
};

std::string_view generated_label(const GeneratedAnnotation& annotation);

// Platform JSON of a generated annotation (key order as real gate output, WIRE.md §5.1).
Json materialize_annotation(const GeneratedAnnotation& annotation, const AnnotationContext& ctx);

// Platform JSON of generated item number `index` (filename unique per index), with every
// server-side field except annotationsCount/annotated, which the store serves live.
Json generate_item(SplitMix64& rng, std::uint64_t index, const std::string& id, const Json& dataset,
                   const std::string& base_url, std::int64_t created_ms);

}  // namespace dlexport::emulator
