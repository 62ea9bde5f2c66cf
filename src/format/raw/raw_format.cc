#include "format/raw/raw_format.h"

#include "format/python_json.h"

namespace dlexport::format {
namespace {

class RawFormat final : public Format {
 public:
  explicit RawFormat(const FormatOptions& options)
      : style_{options.pretty ? 2 : 0, /*ensure_ascii=*/false, /*tight=*/!options.pretty} {}

  std::string_view name() const override { return "raw"; }
  std::string_view content_type() const override { return "application/json"; }

  using Format::encode;
  Result<EncodeResult> encode(const JsonNode& item,
                              std::span<const JsonNode* const> annotations) const override {
    if (!item.is_object()) return invalid_argument("item is not a JSON object");
    EncodeResult result;
    JsonWriter w(style_, 4096 + annotations.size() * 2048);
    bool wrote_annotations = false;
    w.begin_object();
    for (const JsonNode& value : item.children()) {
      const std::string_view key = value.key();
      w.key(key);
      if (key == "annotations") {
        write_annotations(w, annotations);
        wrote_annotations = true;
      } else {
        w.value(value);
      }
    }
    if (!wrote_annotations) {
      w.key("annotations");
      write_annotations(w, annotations);
    }
    w.end_object();
    result.bytes = w.take();
    return result;
  }

 private:
  static void write_annotations(JsonWriter& w, std::span<const JsonNode* const> annotations) {
    w.begin_array();
    for (const JsonNode* a : annotations) w.value(*a);
    w.end_array();
  }

  WriterStyle style_;
};

}  // namespace

FormatPtr make_raw_format(const FormatOptions& options) {
  return std::make_unique<RawFormat>(options);
}

}  // namespace dlexport::format
