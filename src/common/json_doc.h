#pragma once
// JsonDoc: a parsed JSON document that costs no allocation per value.
//
// A query page of annotations is a megabyte of JSON. Parsed into the Json DOM (common/json.h) it
// became ~100 heap nodes per annotation, allocated, walked once by the format and freed again:
// a third of an export's CPU. A JsonDoc keeps the page's text and one flat array of fixed-size
// nodes in document order (a "tape"); strings point into the text, which escapes are decoded in
// place (a decoded string is never longer than its escaped form). Building one is a single pass
// and a handful of allocations; dropping one frees two buffers.
//
// Values mean what parse_json() gives, so the two are interchangeable for export: integers are
// int64, uint64, or (beyond 64 bits) big integers kept as their digits; duplicate keys keep the
// first position and the last value, like Python's dict. JsonDoc::parse() takes the strict fast
// path for well-formed input and falls back to parse_json() for everything else (which yields
// the same value, or the error message naming the input).
//
// A JsonDoc is immutable once built and may be read from several threads. Nodes are owned by
// their document: a `const JsonNode*` is valid as long as the document lives, so documents are
// handed around as shared_ptr<const JsonDoc>. JsonNode has no public constructor.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace dlexport {

class JsonDoc;

class JsonNode {
 public:
  enum class Type : std::uint8_t {
    kNull,
    kBool,
    kInt,     // fits int64 (negative literals)
    kUint,    // fits uint64 (non-negative literals)
    kFloat,   // a literal with a fraction or an exponent
    kBigInt,  // an integer literal beyond 64 bits; string() is its digits
    kString,
    kArray,
    kObject,
  };

  class Iterator;
  struct Range;

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }
  // int64 or uint64 (what nlohmann calls number_integer); big integers are not.
  bool is_integer() const { return type_ == Type::kInt || type_ == Type::kUint; }

  bool bool_value() const { return u_.b; }
  std::int64_t int_value() const { return u_.i; }             // kInt
  std::uint64_t uint_value() const { return u_.u; }           // kUint
  double float_value() const { return u_.d; }                 // kFloat
  std::string_view string() const { return {u_.s, count_}; }  // kString, kBigInt

  // The member's key when this node is a member of an object ("" otherwise).
  std::string_view key() const { return {key_, key_len_}; }

  // Elements of an array, members of an object (key() is the member's key); 0 otherwise.
  std::size_t size() const { return is_array() || is_object() ? count_ : 0; }
  bool empty() const { return size() == 0; }
  Range children() const;
  // The member `key` of an object (the last value when the key repeats); nullptr when absent or
  // when this is not an object. A linear scan: platform objects have a few dozen short keys.
  const JsonNode* find(std::string_view key) const;
  // The i-th child (i < size()); walks the children before it.
  const JsonNode& at(std::size_t i) const;

 private:
  friend class JsonDoc;
  friend class JsonDocBuilder;
  friend class JsonDocParser;

  static constexpr std::uint8_t kHidden = 1;  // a repeated key's later occurrence
  static constexpr std::uint8_t kAlias = 2;   // a repeated key's first occurrence (see resolved())

  JsonNode() = default;
  const JsonNode* first_child() const { return this + 1; }
  const JsonNode* next_sibling() const { return this + span_; }
  // A member whose key repeats later stands at its first position but takes the value of the
  // last occurrence, u_.u nodes ahead (its own value is never read).
  const JsonNode& resolved() const {
    return (flags_ & kAlias) != 0 ? this[static_cast<std::ptrdiff_t>(u_.u)] : *this;
  }
  const JsonNode* end_of_children() const { return this + span_; }

  Type type_ = Type::kNull;
  std::uint8_t flags_ = 0;
  // The key's first and last bytes, kept here so find() settles almost every comparison without
  // touching the text.
  char key_first_ = 0;
  char key_last_ = 0;
  std::uint32_t key_len_ = 0;
  const char* key_ = "";
  std::uint32_t span_ = 1;   // nodes in this subtree, this one included
  std::uint32_t count_ = 0;  // string bytes, or visible children
  union {
    bool b;
    std::int64_t i;
    std::uint64_t u;
    double d;
    const char* s;
  } u_{};
};

// Visits the visible children of an array or object, repeated keys resolved.
class JsonNode::Iterator {
 public:
  const JsonNode& operator*() const { return node_->resolved(); }
  const JsonNode* operator->() const { return &node_->resolved(); }
  Iterator& operator++() {
    do {
      node_ = node_->next_sibling();
    } while (node_ != end_ && (node_->flags_ & kHidden) != 0);
    return *this;
  }
  bool operator==(const Iterator& other) const { return node_ == other.node_; }

 private:
  friend struct JsonNode::Range;
  Iterator(const JsonNode* node, const JsonNode* end) : node_(node), end_(end) {}
  const JsonNode* node_;
  const JsonNode* end_;
};

// The first child is never hidden (a repeat is hidden, its first occurrence is not).
struct JsonNode::Range {
  const JsonNode* from;
  const JsonNode* to;  // one past the last child's subtree
  Iterator begin() const { return {from, to}; }
  Iterator end() const { return {to, to}; }
};

class JsonDoc {
 public:
  // Parses `text`, which the document keeps. `what` names the input in errors ("POST /x: answer
  // is not JSON: parse error at line 3, column 7: ..."). Never throws.
  static Result<std::shared_ptr<const JsonDoc>> parse(std::string text, std::string_view what);
  // A document holding a copy of `value` (big integers from parse_json() included).
  static std::shared_ptr<const JsonDoc> from_json(const Json& value);

  JsonDoc(const JsonDoc&) = delete;
  JsonDoc& operator=(const JsonDoc&) = delete;
  // Hands the text and node buffers back to the thread's pool (common/buffer_pool.h): the next
  // page parsed on this thread reuses them.
  ~JsonDoc();

  const JsonNode& root() const { return nodes_.front(); }

 private:
  friend class JsonDocBuilder;
  friend class JsonDocParser;
  JsonDoc() = default;

  std::string text_;  // the parsed text with escapes decoded in place, or from_json's strings
  std::vector<JsonNode> nodes_;
};

// The node as a Json value (for callers that still need the DOM, and for tests).
Json to_json(const JsonNode& node);

// A node together with the document that owns it: what an entity parsed from a page carries (an
// item of a listing page keeps the page alive). Cheap to copy. A default JsonRef is null.
class JsonRef {
 public:
  JsonRef();
  JsonRef(std::shared_ptr<const JsonDoc> doc, const JsonNode* node)
      : doc_(std::move(doc)), node_(node) {}
  // A copy of `value` in a document of its own.
  static JsonRef of(const Json& value);

  const JsonNode& operator*() const { return *node_; }
  const JsonNode* operator->() const { return node_; }

 private:
  std::shared_ptr<const JsonDoc> doc_;
  const JsonNode* node_;
};

inline JsonNode::Range JsonNode::children() const {
  return {first_child(), is_array() || is_object() ? end_of_children() : first_child()};
}

}  // namespace dlexport
