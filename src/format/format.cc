#include "format/format.h"

#include <fmt/format.h>

#include "format/dataloop/dataloop_format.h"
#include "format/raw/raw_format.h"

namespace dlexport::format {
namespace {

struct BuiltIn {
  std::string_view name;
  FormatPtr (*create)(const FormatOptions&);
};

// The one list of built-in formats; the first is the default.
constexpr BuiltIn kBuiltIns[] = {
    {"dataloop", [](const FormatOptions& o) { return make_dataloop_format(o); }},
    {"raw", [](const FormatOptions& o) { return make_raw_format(o); }},
};

}  // namespace

Result<EncodeResult> Format::encode(const Json& item, std::span<const Json> annotations) const {
  const auto item_doc = JsonDoc::from_json(item);
  const auto annotations_doc =
      JsonDoc::from_json(Json(Json::array_t(annotations.begin(), annotations.end())));
  std::vector<const JsonNode*> nodes;
  nodes.reserve(annotations.size());
  for (const JsonNode& a : annotations_doc->root().children()) nodes.push_back(&a);
  return encode(item_doc->root(), nodes);
}

std::vector<std::string_view> format_names() {
  std::vector<std::string_view> names;
  for (const auto& b : kBuiltIns) names.push_back(b.name);
  return names;
}

Result<FormatPtr> make_format(std::string_view name, const FormatOptions& options) {
  for (const auto& b : kBuiltIns) {
    if (b.name == name) return b.create(options);
  }
  return invalid_argument(
      fmt::format("unknown export format '{}' (known: {})", name, fmt::join(format_names(), ", ")));
}

}  // namespace dlexport::format
