#pragma once
// PathTemplate: where an item's export file goes in the bucket.
//
// A template is text with placeholders: {dir} (the item's folder, normalised, "" for the root),
// {name} (file name), {stem} (name without its last extension, Python os.path.splitext rules),
// {ext} (the last extension with its dot, "" when none), {id}, {dataset_id}. The default
// kDefaultPathTemplate reproduces the Python app exactly (WIRE.md §4.3):
// "/a/b/cat.jpg" -> "/a/b/cat.json", a root item -> "/cat.json". The result always starts
// with "/".
//
// parse() rejects templates that could leave the export root ('..' or '.' segments, backslashes,
// control characters), unknown placeholders, unbalanced braces and templates without any
// placeholder; render() rejects items whose values would produce such a path (hostile names).
// Immutable after parse(); safe to share between threads.

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/json_doc.h"
#include "common/result.h"

namespace dlexport::format {

inline constexpr std::string_view kDefaultPathTemplate = "{dir}/{stem}.json";

// Python's os.path.splitext(name)[0] (last extension only; leading dots are not extensions).
std::string_view path_stem(std::string_view name);
// The matching extension ("" or ".jpg").
std::string_view path_ext(std::string_view name);

class PathTemplate {
 public:
  static Result<PathTemplate> parse(std::string_view text);

  // The object path for one platform item JSON; kInvalidArgument naming the item on hostile or
  // missing values.
  Result<std::string> render(const JsonNode& item) const;
  // The same for an item held as Json (tests): copies it into a document first.
  Result<std::string> render(const Json& item) const;

  const std::string& text() const { return text_; }

 private:
  enum class Field { kLiteral, kDir, kName, kStem, kExt, kId, kDatasetId };
  struct Part {
    Field field;
    std::string literal;
  };
  PathTemplate() = default;

  std::string text_;
  std::vector<Part> parts_;
};

}  // namespace dlexport::format
