#include "common/json_doc.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/buffer_pool.h"
#include "common/json_lex.h"
#include "common/json_scan.h"
#include "common/utf8.h"

namespace dlexport {

// --- JsonNode ---------------------------------------------------------------------------------

// A megabyte page is ~100k nodes: their size is most of a document's memory.
static_assert(sizeof(JsonNode) == 32, "JsonNode grew");

const JsonNode* JsonNode::find(std::string_view key) const {
  if (!is_object() || key.size() > std::numeric_limits<std::uint32_t>::max()) return nullptr;
  const auto len = static_cast<std::uint32_t>(key.size());
  const char first = key.empty() ? '\0' : key.front();
  const char last = key.empty() ? '\0' : key.back();
  const JsonNode* const end = end_of_children();
  for (const JsonNode* member = first_child(); member != end; member = member->next_sibling()) {
    if (member->key_len_ == len && member->key_first_ == first && member->key_last_ == last &&
        (member->flags_ & kHidden) == 0 && std::memcmp(member->key_, key.data(), len) == 0) {
      return &member->resolved();
    }
  }
  return nullptr;
}

const JsonNode& JsonNode::at(std::size_t i) const {
  auto it = children().begin();
  for (; i > 0; --i) ++it;
  return *it;
}

// --- parsing ----------------------------------------------------------------------------------

// Two passes. The first validates the text and builds the tape, with every string pointing at
// its raw (still escaped) bytes; strings with escapes are listed. Only when the whole text is
// valid does the second pass decode those few strings in place, so a failed first pass leaves
// the text untouched for parse_json()'s fallback.
class JsonDocParser : private json_lex::Cursor {
 public:
  explicit JsonDocParser(JsonDoc& doc)
      : Cursor(doc.text_.data(), doc.text_.data() + doc.text_.size()), doc_(doc) {}

  bool parse() {
    // About one node per 12 bytes of platform JSON; growing past it is cheap (nodes are trivially
    // copyable) but each doubling touches fresh pages.
    doc_.nodes_ = VectorPool<JsonNode>::take(doc_.text_.size() / 12 + 8);
    skip_whitespace();
    if (!value(0)) return false;
    skip_whitespace();
    if (p_ != end_) return false;
    for (const Escaped& e : escaped_) decode(e);
    return true;
  }

 private:
  static constexpr int kMaxDepth = 256;
  // Objects with more members than this find repeated keys through a hash table.
  static constexpr std::size_t kPairwiseMembers = 16;

  struct Escaped {
    std::size_t node;
    bool key;  // the node's key, else its string value
  };

  std::vector<JsonNode>& nodes() { return doc_.nodes_; }

  // Appends the value at p_ (and its subtree) to the tape.
  bool value(int depth) {
    if (p_ == end_) return false;
    const std::size_t self = nodes().size();
    nodes().push_back(JsonNode{});
    switch (*p_) {
      case '{':
        nodes()[self].type_ = JsonNode::Type::kObject;
        if (!object(self, depth)) return false;
        break;
      case '[':
        nodes()[self].type_ = JsonNode::Type::kArray;
        if (!array(self, depth)) return false;
        break;
      case '"': {
        const char* s;
        std::uint32_t len;
        bool has_escapes;
        if (!string(&s, &len, &has_escapes)) return false;
        JsonNode& n = nodes()[self];
        n.type_ = JsonNode::Type::kString;
        n.u_.s = s;
        n.count_ = len;
        if (has_escapes) escaped_.push_back({self, false});
        return true;
      }
      case 't':
        nodes()[self].type_ = JsonNode::Type::kBool;
        nodes()[self].u_.b = true;
        return word("true");
      case 'f':
        nodes()[self].type_ = JsonNode::Type::kBool;
        nodes()[self].u_.b = false;
        return word("false");
      case 'n':
        return word("null");
      default:
        return number(nodes()[self]);
    }
    nodes()[self].span_ = static_cast<std::uint32_t>(nodes().size() - self);
    return true;
  }

  bool object(std::size_t self, int depth) {
    if (depth >= kMaxDepth) return false;
    ++p_;
    skip_whitespace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    const std::size_t base = members_.size();
    bool escaped_keys = false;
    for (;;) {
      if (p_ == end_ || *p_ != '"') return false;
      const char* key;
      std::uint32_t key_len;
      bool has_escapes;
      if (!string(&key, &key_len, &has_escapes)) return false;
      skip_whitespace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      skip_whitespace();
      const std::size_t member = nodes().size();
      if (!value(depth + 1)) return false;
      set_key(nodes()[member], key, key_len);
      if (has_escapes) {
        escaped_.push_back({member, true});
        escaped_keys = true;
      }
      members_.push_back(member);
      bool more = false;
      if (!after_element('}', &more)) return false;
      if (!more) break;
    }
    const std::size_t n = members_.size() - base;
    nodes()[self].count_ = static_cast<std::uint32_t>(n);
    if (n > 1) {
      // Keys are compared by their raw bytes, which would miss "a" repeated as "\u0061": an
      // object with escaped keys goes to the fallback, which decides like Python.
      if (escaped_keys) return false;
      find_repeated_keys(self, base, n);
    }
    members_.resize(base);
    return true;
  }

  bool same_key(std::size_t a, std::size_t b) const {
    const JsonNode& x = doc_.nodes_[a];
    const JsonNode& y = doc_.nodes_[b];
    return x.key_len_ == y.key_len_ && x.key_first_ == y.key_first_ && x.key_last_ == y.key_last_ &&
           std::memcmp(x.key_, y.key_, x.key_len_) == 0;
  }

  // Marks keys that repeat: the first occurrence takes the last one's value, the later ones are
  // hidden.
  void find_repeated_keys(std::size_t self, std::size_t base, std::size_t n) {
    const std::size_t* m = members_.data() + base;
    auto repeat = [&](std::size_t first, std::size_t later) {
      nodes()[first].flags_ |= JsonNode::kAlias;
      nodes()[first].u_.u = later - first;
      nodes()[later].flags_ |= JsonNode::kHidden;
      --nodes()[self].count_;
    };
    if (n <= kPairwiseMembers) {
      // Length and first and last key bytes of each member, gathered once: the pairs compare
      // these words, and only equal words compare the keys.
      std::uint64_t sig[kPairwiseMembers];
      for (std::size_t i = 0; i < n; ++i) {
        const JsonNode& node = doc_.nodes_[m[i]];
        sig[i] = node.key_len_ |
                 static_cast<std::uint64_t>(static_cast<unsigned char>(node.key_first_)) << 32 |
                 static_cast<std::uint64_t>(static_cast<unsigned char>(node.key_last_)) << 40;
      }
      for (std::size_t j = 1; j < n; ++j) {
        for (std::size_t i = 0; i < j; ++i) {
          if (sig[i] == sig[j] && same_key(m[i], m[j])) {
            repeat(m[i], m[j]);  // the earliest match is the first occurrence
            break;
          }
        }
      }
    } else {
      std::size_t slots = 32;
      while (slots < 2 * n) slots *= 2;
      table_.assign(slots, kEmpty);
      for (std::size_t j = 0; j < n; ++j) {
        const JsonNode& node = doc_.nodes_[m[j]];
        std::size_t slot = hash(node.key()) & (slots - 1);
        for (;;) {
          if (table_[slot] == kEmpty) {
            table_[slot] = m[j];
            break;
          }
          if (same_key(table_[slot], m[j])) {
            repeat(table_[slot], m[j]);
            break;
          }
          slot = (slot + 1) & (slots - 1);
        }
      }
    }
  }

  static std::size_t hash(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
    for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    return static_cast<std::size_t>(h ^ (h >> 29));
  }

  bool array(std::size_t self, int depth) {
    if (depth >= kMaxDepth) return false;
    ++p_;
    skip_whitespace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    std::uint32_t n = 0;
    for (;;) {
      if (!value(depth + 1)) return false;
      ++n;
      bool more = false;
      if (!after_element(']', &more)) return false;
      if (!more) break;
    }
    nodes()[self].count_ = n;
    return true;
  }

  // p_ at the opening quote; leaves p_ after the closing one. Validates escapes and UTF-8;
  // *s/*len are the raw content.
  bool string(const char** s, std::uint32_t* len, bool* has_escapes) {
    ++p_;
    const char* start = p_;
    *has_escapes = false;
    for (;;) {
      p_ += find_json_special(std::string_view(p_, static_cast<std::size_t>(end_ - p_)), 0,
                              /*escape_del=*/false);
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        if (p_ - start > std::numeric_limits<std::uint32_t>::max()) return false;
        *s = start;
        *len = static_cast<std::uint32_t>(p_ - start);
        ++p_;
        return true;
      }
      if (c == '\\') {
        *has_escapes = true;
        if (!skip_escape()) return false;
        continue;
      }
      if (c < 0x20) return false;
      unsigned cp;
      const std::size_t n =
          decode_utf8(std::string_view(p_, static_cast<std::size_t>(end_ - p_)), 0, &cp);
      if (n == 0) return false;
      p_ += n;
    }
  }

  // Validates the escape at p_ (a backslash) and moves past it.
  bool skip_escape() {
    char scratch[4];
    std::size_t consumed = 0;
    if (json_lex::decode_escape(p_, end_, scratch, &consumed) < 0) return false;
    p_ += consumed;
    return true;
  }

  // Decodes a validated escaped string in place: the text never grows ("\n" -> 1 byte,
  // "\uXXXX" -> at most 3, a surrogate pair's 12 -> 4).
  void decode(const Escaped& e) {
    JsonNode& node = nodes()[e.node];
    // A repeated key's first value is replaced (and u_ now holds the alias), so never decoded.
    if (!e.key && (node.flags_ & JsonNode::kAlias) != 0) return;
    char* const begin = const_cast<char*>(e.key ? node.key_ : node.u_.s);
    const char* r = begin;
    const char* const end = begin + (e.key ? node.key_len_ : node.count_);
    char* w = begin;
    while (r != end) {
      if (*r != '\\') {
        *w++ = *r++;
        continue;
      }
      char decoded[4];
      std::size_t consumed = 0;
      const int n = json_lex::decode_escape(r, end, decoded, &consumed);
      if (n < 0) break;  // validated by the first pass: cannot happen
      for (int i = 0; i < n; ++i) *w++ = decoded[i];
      r += consumed;
    }
    const auto len = static_cast<std::uint32_t>(w - begin);
    if (e.key) {
      set_key(node, begin, len);
    } else {
      node.count_ = len;
    }
  }

  static void set_key(JsonNode& node, const char* key, std::uint32_t len) {
    node.key_ = key;
    node.key_len_ = len;
    node.key_first_ = len == 0 ? '\0' : key[0];
    node.key_last_ = len == 0 ? '\0' : key[len - 1];
  }

  bool number(JsonNode& out) {
    const char* start = p_;
    bool integral = false;
    const char* stop = json_lex::scan_number(p_, end_, &integral);
    if (stop == nullptr) return false;
    p_ = stop;
    const json_lex::Number n = json_lex::number_value(start, stop, integral);
    switch (n.kind) {
      case json_lex::Number::Kind::kInt:
        out.type_ = JsonNode::Type::kInt;
        out.u_.i = n.i;
        return true;
      case json_lex::Number::Kind::kUint:
        out.type_ = JsonNode::Type::kUint;
        out.u_.u = n.u;
        return true;
      case json_lex::Number::Kind::kFloat:
        out.type_ = JsonNode::Type::kFloat;
        out.u_.d = n.d;
        return true;
      case json_lex::Number::Kind::kBigInt:
        out.type_ = JsonNode::Type::kBigInt;
        out.u_.s = start;
        out.count_ = static_cast<std::uint32_t>(stop - start);
        return true;
      case json_lex::Number::Kind::kInvalid:
        return false;
    }
    return false;
  }

  static constexpr std::size_t kEmpty = std::numeric_limits<std::size_t>::max();

  JsonDoc& doc_;
  std::vector<std::size_t> members_;  // node indices of the open objects' members
  std::vector<std::size_t> table_;    // find_repeated_keys()' hash table
  std::vector<Escaped> escaped_;
};

// Copies a Json value into a document: every string goes into text_, sized up front so the
// nodes' pointers stay valid.
class JsonDocBuilder {
 public:
  explicit JsonDocBuilder(JsonDoc& doc) : doc_(doc) {}

  void build(const Json& value) {
    std::size_t nodes = 0;
    std::size_t bytes = 0;
    measure(value, &nodes, &bytes);
    doc_.nodes_.reserve(nodes);
    doc_.text_.reserve(bytes);
    add(value, {});
  }

 private:
  static void measure(const Json& v, std::size_t* nodes, std::size_t* bytes) {
    ++*nodes;
    if (v.is_string()) {
      *bytes += v.get_ref<const std::string&>().size();
    } else if (is_big_int(v)) {
      *bytes += v.get_binary().size();
    } else if (v.is_array()) {
      for (const auto& element : v) measure(element, nodes, bytes);
    } else if (v.is_object()) {
      for (const auto& [key, member] : v.get_ref<const Json::object_t&>()) {
        *bytes += key.size();
        measure(member, nodes, bytes);
      }
    }
  }

  const char* keep(std::string_view s) {
    const char* at = doc_.text_.data() + doc_.text_.size();
    doc_.text_.append(s);
    return at;
  }

  void add(const Json& v, std::string_view key) {
    const std::size_t self = doc_.nodes_.size();
    doc_.nodes_.push_back(JsonNode{});
    {
      JsonNode& n = doc_.nodes_[self];
      n.key_ = keep(key);
      n.key_len_ = static_cast<std::uint32_t>(key.size());
      n.key_first_ = key.empty() ? '\0' : key.front();
      n.key_last_ = key.empty() ? '\0' : key.back();
    }
    switch (v.type()) {
      case Json::value_t::boolean:
        doc_.nodes_[self].type_ = JsonNode::Type::kBool;
        doc_.nodes_[self].u_.b = v.get<bool>();
        break;
      case Json::value_t::number_integer:
        doc_.nodes_[self].type_ = JsonNode::Type::kInt;
        doc_.nodes_[self].u_.i = v.get<std::int64_t>();
        break;
      case Json::value_t::number_unsigned:
        doc_.nodes_[self].type_ = JsonNode::Type::kUint;
        doc_.nodes_[self].u_.u = v.get<std::uint64_t>();
        break;
      case Json::value_t::number_float:
        doc_.nodes_[self].type_ = JsonNode::Type::kFloat;
        doc_.nodes_[self].u_.d = v.get<double>();
        break;
      case Json::value_t::string: {
        const std::string& s = v.get_ref<const std::string&>();
        JsonNode& n = doc_.nodes_[self];
        n.type_ = JsonNode::Type::kString;
        n.u_.s = keep(s);
        n.count_ = static_cast<std::uint32_t>(s.size());
        break;
      }
      case Json::value_t::binary:
        if (is_big_int(v)) {
          const auto& digits = v.get_binary();
          JsonNode& n = doc_.nodes_[self];
          n.type_ = JsonNode::Type::kBigInt;
          n.u_.s =
              keep(std::string_view(reinterpret_cast<const char*>(digits.data()), digits.size()));
          n.count_ = static_cast<std::uint32_t>(digits.size());
        }  // other binaries never come from JSON text: null, as the writer prints them
        break;
      case Json::value_t::array:
        doc_.nodes_[self].type_ = JsonNode::Type::kArray;
        doc_.nodes_[self].count_ = static_cast<std::uint32_t>(v.size());
        for (const auto& element : v) add(element, {});
        break;
      case Json::value_t::object:
        doc_.nodes_[self].type_ = JsonNode::Type::kObject;
        doc_.nodes_[self].count_ = static_cast<std::uint32_t>(v.size());
        for (const auto& [k, member] : v.get_ref<const Json::object_t&>()) add(member, k);
        break;
      default:
        break;
    }
    doc_.nodes_[self].span_ = static_cast<std::uint32_t>(doc_.nodes_.size() - self);
  }

  JsonDoc& doc_;
};

JsonDoc::~JsonDoc() {
  recycle_buffer(std::move(text_));
  VectorPool<JsonNode>::recycle(std::move(nodes_));
}

Result<std::shared_ptr<const JsonDoc>> JsonDoc::parse(std::string text, std::string_view what) {
  // Node spans and string lengths are 32-bit.
  if (text.size() < std::numeric_limits<std::uint32_t>::max()) {
    std::shared_ptr<JsonDoc> doc(new JsonDoc());
    doc->text_ = std::move(text);
    if (JsonDocParser(*doc).parse()) return std::shared_ptr<const JsonDoc>(std::move(doc));
    text = std::move(doc->text_);
  }
  DLX_ASSIGN_OR_RETURN(Json value, parse_json(text, what));
  return from_json(value);
}

std::shared_ptr<const JsonDoc> JsonDoc::from_json(const Json& value) {
  std::shared_ptr<JsonDoc> doc(new JsonDoc());
  JsonDocBuilder(*doc).build(value);
  return doc;
}

JsonRef::JsonRef() {
  static const std::shared_ptr<const JsonDoc> kNull = JsonDoc::from_json(Json());
  doc_ = kNull;
  node_ = &kNull->root();
}

JsonRef JsonRef::of(const Json& value) {
  auto doc = JsonDoc::from_json(value);
  const JsonNode* root = &doc->root();
  return JsonRef(std::move(doc), root);
}

// --- back to Json -----------------------------------------------------------------------------

Json to_json(const JsonNode& node) {
  switch (node.type()) {
    case JsonNode::Type::kNull:
      return nullptr;
    case JsonNode::Type::kBool:
      return node.bool_value();
    case JsonNode::Type::kInt:
      return node.int_value();
    case JsonNode::Type::kUint:
      return node.uint_value();
    case JsonNode::Type::kFloat:
      return node.float_value();
    case JsonNode::Type::kBigInt:
      return make_big_int(node.string());
    case JsonNode::Type::kString:
      return std::string(node.string());
    case JsonNode::Type::kArray: {
      Json out = Json::array();
      auto& elements = out.get_ref<Json::array_t&>();
      elements.reserve(node.size());
      for (const JsonNode& element : node.children()) elements.push_back(to_json(element));
      return out;
    }
    case JsonNode::Type::kObject: {
      Json out = Json::object();
      auto& members = out.get_ref<Json::object_t&>();
      members.reserve(node.size());
      for (const JsonNode& member : node.children()) {
        members.emplace_back(std::string(member.key()), to_json(member));
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace dlexport
