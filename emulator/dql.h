#pragma once
// DQL: the platform's query language for POST /datasets/{id}/query and /datasets/query.
//
// Filter::compile turns a filter JSON into a matcher once (so unknown operators are reported
// even when nothing would be scanned); Filter::matches evaluates it against a Document. The
// store owns the documents and the scan; this file knows nothing about entities.
//
// Semantics (WIRE.md §4.4, §5.1, §11):
// - An object's keys are ANDed; "$and"/"$or" take lists of filters.
// - {"field": value} is equality; {"field": {"$op": v, ...}} applies each operator (ANDed).
//   Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $match. Anything else starting
//   with '$' is kInvalidArgument naming the operator.
// - Fields are dotted paths through objects ("metadata.system.exportSolution").
// - Equality against an array field means "contains"; a missing field equals only null.
// - $gt/$gte/$lt/$lte compare two strings lexicographically (ids, ISO timestamps) and two
//   numbers numerically; mixed kinds never match. On an array field any element may satisfy.
// - $exists: true|false tests presence (a present null exists).
// - String equality on `filename` and `dir` is a glob when the value has '*' or '?':
//   "**" spans '/', "*" and "?" stay within one segment; "/a/**" also matches "/a" itself.
// - $match is the same glob on any string field (full match). Chosen over regular
//   expressions because the SDK never sends $match itself and globs cannot be pathological.
//
// Thread-safety: a compiled Filter is immutable and may be shared between threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace dlexport::emulator {

// A dotted field path, split once.
struct FieldPath {
  std::string full;
  std::vector<std::string> parts;

  explicit FieldPath(std::string dotted);
};

// What a filter is evaluated against: resolves a field path to a value (null = missing).
class Document {
 public:
  virtual ~Document() = default;
  virtual const Json* field(const FieldPath& path) const = 0;
};

// Walks `path` through nested objects of `root`.
const Json* find_path(const Json& root, const FieldPath& path);
const Json* find_path(const Json& root, std::string_view dotted);

// A Document over one JSON object.
class JsonDocument : public Document {
 public:
  explicit JsonDocument(const Json& json) : json_(json) {}
  const Json* field(const FieldPath& path) const override { return find_path(json_, path); }

 private:
  const Json& json_;
};

// Glob match: "**" matches any run including '/', "*" any run without '/', "?" one character
// other than '/'. A pattern ending in "/**" also matches the text before that suffix.
bool glob_match(std::string_view pattern, std::string_view text);

class Filter {
 public:
  // `filter` may be null or {} (matches everything).
  static Result<Filter> compile(const Json& filter);

  bool matches(const Document& doc) const;

  // Planning hints taken from top-level conjuncts only, so each is a necessary condition: an
  // entity that fails it cannot match. The full filter must still be applied.
  struct IdBound {
    std::string id;
    bool inclusive = false;  // $gte rather than $gt
  };
  const std::optional<IdBound>& id_lower_bound() const { return id_lower_bound_; }
  // Values of `itemId` equality or `itemId $in [...]` (strings only).
  const std::optional<std::vector<std::string>>& item_ids() const { return item_ids_; }

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
  std::optional<IdBound> id_lower_bound_;
  std::optional<std::vector<std::string>> item_ids_;
};

struct SortSpec {
  FieldPath field{"id"};
  bool descending = false;
};

// Reads body["sort"]: absent → id ascending; {"<field>": "ascending"|"descending"|"asc"|
// "desc"|1|-1}. Only the first key is used.
Result<SortSpec> parse_sort(const Json& body);

struct PageSpec {
  std::int64_t page = 0;
  std::int64_t page_size = 1000;
};

// Reads body["page"] (>= 0, default 0) and body["pageSize"] (1..1000, default 1000); anything
// else is kInvalidArgument.
Result<PageSpec> parse_page(const Json& body);

// Orders two field values for sorting: missing/null < booleans < numbers < strings < others.
int compare_values(const Json* a, const Json* b);

}  // namespace dlexport::emulator
