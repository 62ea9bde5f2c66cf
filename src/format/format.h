#pragma once
// Format: turns one platform item and its annotations into the bytes of one export file.
//
// Contract: the caller passes the item JSON exactly as the platform returned it (GET /items/{id})
// and every raw annotation of that item in ascending id order, notes and all other types
// included, as nodes of JsonDocs (common/json_doc.h: an annotation page is parsed once into a
// document and its annotations are encoded straight from it); the format decides what to drop or
// rewrite. encode() is pure: no I/O, no clock, no logging. Where a format has to deviate from its
// reference (e.g. an annotation the Dataloop SDK would silently drop is kept as-is) it says so in
// EncodeResult::warnings and the caller logs them. A non-ok Result means the item itself is
// unusable (not a JSON object).
//
// Implementations live in subfolders (dataloop/, raw/) and are created through make_format(),
// the one explicit list of built-in formats. Instances are immutable after construction and
// safe to share between threads. Owned by whoever created them (FormatPtr).

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/json_doc.h"
#include "common/result.h"

namespace dlexport::format {

struct EncodeResult {
  std::string bytes;                  // the export file
  std::vector<std::string> warnings;  // one line per deviation, naming the annotation
};

class Format {
 public:
  virtual ~Format() = default;

  // The name users pick it by ("dataloop", "raw").
  virtual std::string_view name() const = 0;
  // MIME type of the produced bytes.
  virtual std::string_view content_type() const = 0;
  virtual Result<EncodeResult> encode(const JsonNode& item,
                                      std::span<const JsonNode* const> annotations) const = 0;
  // The same for values held as Json (tests, `dlexport format`): copies them into a document
  // first.
  Result<EncodeResult> encode(const Json& item, std::span<const Json> annotations) const;
};

using FormatPtr = std::unique_ptr<const Format>;

struct FormatOptions {
  bool pretty = false;  // raw: indent 2 instead of compact (dataloop is always indent 2)
};

// The built-in formats, in a stable order (for --help and error messages).
std::vector<std::string_view> format_names();

// kInvalidArgument naming the known formats when `name` is not one of them.
Result<FormatPtr> make_format(std::string_view name, const FormatOptions& options = {});

}  // namespace dlexport::format
