#include "emulator/dql.h"

#include <algorithm>

namespace dlexport::emulator {

FieldPath::FieldPath(std::string dotted) : full(std::move(dotted)) {
  std::size_t start = 0;
  while (true) {
    std::size_t dot = full.find('.', start);
    parts.push_back(full.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
}

const Json* find_path(const Json& root, const FieldPath& path) {
  const Json* cur = &root;
  for (const std::string& part : path.parts) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(part);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

const Json* find_path(const Json& root, std::string_view dotted) {
  return find_path(root, FieldPath(std::string(dotted)));
}

namespace {

bool glob_at(std::string_view p, std::string_view t) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      std::string_view rest = p.substr(2);
      for (std::size_t i = 0; i <= t.size(); ++i) {
        if (glob_at(rest, t.substr(i))) return true;
      }
      return false;
    }
    if (p[0] == '*') {
      std::string_view rest = p.substr(1);
      for (std::size_t i = 0; i <= t.size(); ++i) {
        if (glob_at(rest, t.substr(i))) return true;
        if (i < t.size() && t[i] == '/') break;
      }
      return false;
    }
    if (t.empty()) return false;
    if (p[0] == '?') {
      if (t[0] == '/') return false;
    } else if (p[0] != t[0]) {
      return false;
    }
    p.remove_prefix(1);
    t.remove_prefix(1);
  }
  return t.empty();
}

bool has_glob_chars(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

enum class Op { kEq, kNe, kGt, kGte, kLt, kLte, kIn, kNin, kExists, kMatch };

std::optional<Op> op_from_name(std::string_view name) {
  static constexpr std::pair<std::string_view, Op> kOps[] = {
      {"$eq", Op::kEq},         {"$ne", Op::kNe},      {"$gt", Op::kGt}, {"$gte", Op::kGte},
      {"$lt", Op::kLt},         {"$lte", Op::kLte},    {"$in", Op::kIn}, {"$nin", Op::kNin},
      {"$exists", Op::kExists}, {"$match", Op::kMatch}};
  for (const auto& [n, op] : kOps) {
    if (n == name) return op;
  }
  return std::nullopt;
}

bool is_glob_field(const FieldPath& path) { return path.full == "filename" || path.full == "dir"; }

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  if (glob_at(pattern, text)) return true;
  if (pattern.size() >= 3 && pattern.substr(pattern.size() - 3) == "/**") {
    std::string_view base = pattern.substr(0, pattern.size() - 3);
    return glob_at(base.empty() ? "/" : base, text);
  }
  return false;
}

struct Filter::Node {
  enum class Kind { kAnd, kOr, kCond };
  Kind kind = Kind::kAnd;
  std::vector<Node> children;  // kAnd, kOr
  // kCond
  std::optional<FieldPath> path;
  Op op = Op::kEq;
  Json value;
  bool glob = false;                    // kEq/kNe on filename|dir with a glob value
  std::vector<std::string> string_set;  // kIn/kNin with plain string values, sorted
  bool string_set_only = false;

  bool eval(const Document& doc) const;
  bool eval_cond(const Json* field) const;
  bool equals(const Json& field_value, const Json& wanted, bool allow_glob) const;
  bool in_set(const Json* field) const;
};

namespace {

bool scalar_equals(const Json& a, const Json& b, bool allow_glob) {
  if (allow_glob && a.is_string() && b.is_string()) {
    const auto& pattern = b.get_ref<const std::string&>();
    if (has_glob_chars(pattern)) return glob_match(pattern, a.get_ref<const std::string&>());
  }
  return a == b;
}

int order(const Json& a, const Json& b, bool* comparable) {
  *comparable = true;
  if (a.is_string() && b.is_string()) {
    const auto& x = a.get_ref<const std::string&>();
    const auto& y = b.get_ref<const std::string&>();
    return x < y ? -1 : (y < x ? 1 : 0);
  }
  if (a.is_number() && b.is_number()) {
    if (a.is_number_float() || b.is_number_float()) {
      double x = a.get<double>(), y = b.get<double>();
      return x < y ? -1 : (y < x ? 1 : 0);
    }
    if (a.is_number_unsigned() && b.is_number_unsigned()) {
      auto x = a.get<std::uint64_t>(), y = b.get<std::uint64_t>();
      return x < y ? -1 : (y < x ? 1 : 0);
    }
    // Signed vs unsigned: values beyond int64 are rare enough in fixtures to compare as double.
    if (a.is_number_unsigned() || b.is_number_unsigned()) {
      double x = a.get<double>(), y = b.get<double>();
      return x < y ? -1 : (y < x ? 1 : 0);
    }
    auto x = a.get<std::int64_t>(), y = b.get<std::int64_t>();
    return x < y ? -1 : (y < x ? 1 : 0);
  }
  *comparable = false;
  return 0;
}

bool range_ok(Op op, int cmp) {
  switch (op) {
    case Op::kGt:
      return cmp > 0;
    case Op::kGte:
      return cmp >= 0;
    case Op::kLt:
      return cmp < 0;
    case Op::kLte:
      return cmp <= 0;
    default:
      return false;
  }
}

}  // namespace

bool Filter::Node::equals(const Json& field_value, const Json& wanted, bool allow_glob) const {
  if (scalar_equals(field_value, wanted, allow_glob)) return true;
  if (field_value.is_array() && !wanted.is_array()) {
    for (const Json& element : field_value) {
      if (scalar_equals(element, wanted, allow_glob)) return true;
    }
  }
  return false;
}

bool Filter::Node::in_set(const Json* field) const {
  if (field == nullptr) {
    return std::any_of(value.begin(), value.end(), [](const Json& v) { return v.is_null(); });
  }
  if (string_set_only) {
    auto contains = [&](const Json& v) {
      return v.is_string() && std::binary_search(string_set.begin(), string_set.end(),
                                                 v.get_ref<const std::string&>());
    };
    if (contains(*field)) return true;
    if (field->is_array()) return std::any_of(field->begin(), field->end(), contains);
    return false;
  }
  for (const Json& wanted : value) {
    if (equals(*field, wanted, glob)) return true;
  }
  return false;
}

bool Filter::Node::eval_cond(const Json* field) const {
  switch (op) {
    case Op::kEq:
      if (field == nullptr) return value.is_null();
      return equals(*field, value, glob);
    case Op::kNe:
      if (field == nullptr) return !value.is_null();
      return !equals(*field, value, glob);
    case Op::kGt:
    case Op::kGte:
    case Op::kLt:
    case Op::kLte: {
      if (field == nullptr) return false;
      auto test = [&](const Json& v) {
        bool comparable = false;
        int cmp = order(v, value, &comparable);
        return comparable && range_ok(op, cmp);
      };
      if (test(*field)) return true;
      if (field->is_array()) return std::any_of(field->begin(), field->end(), test);
      return false;
    }
    case Op::kIn:
      return in_set(field);
    case Op::kNin:
      return !in_set(field);
    case Op::kExists:
      return (field != nullptr) == value.get<bool>();
    case Op::kMatch: {
      if (field == nullptr) return false;
      const auto& pattern = value.get_ref<const std::string&>();
      auto test = [&](const Json& v) {
        return v.is_string() && glob_match(pattern, v.get_ref<const std::string&>());
      };
      if (test(*field)) return true;
      if (field->is_array()) return std::any_of(field->begin(), field->end(), test);
      return false;
    }
  }
  return false;
}

bool Filter::Node::eval(const Document& doc) const {
  switch (kind) {
    case Kind::kAnd:
      for (const Node& child : children) {
        if (!child.eval(doc)) return false;
      }
      return true;
    case Kind::kOr:
      for (const Node& child : children) {
        if (child.eval(doc)) return true;
      }
      return false;
    case Kind::kCond:
      return eval_cond(doc.field(*path));
  }
  return false;
}

namespace {

using Node = Filter::Node;

Result<Node> compile_object(const Json& filter);

Result<Node> compile_list(const Json& list, Node::Kind kind, std::string_view op_name) {
  if (!list.is_array()) {
    return invalid_argument(std::string(op_name) + " expects a list of filters");
  }
  Node node;
  node.kind = kind;
  for (const Json& element : list) {
    DLX_ASSIGN_OR_RETURN(Node child, compile_object(element));
    node.children.push_back(std::move(child));
  }
  return node;
}

Result<Node> compile_condition(const std::string& field, Op op, const Json& value,
                               std::string_view op_name) {
  Node node;
  node.kind = Node::Kind::kCond;
  node.path.emplace(field);
  node.op = op;
  node.value = value;
  node.glob = is_glob_field(*node.path);
  if (op == Op::kIn || op == Op::kNin) {
    if (!value.is_array()) {
      return invalid_argument(std::string(op_name) + " on '" + field + "' expects a list");
    }
    bool plain = std::all_of(value.begin(), value.end(), [&](const Json& v) {
      return v.is_string() && !(node.glob && has_glob_chars(v.get_ref<const std::string&>()));
    });
    if (plain) {
      node.string_set_only = true;
      for (const Json& v : value) node.string_set.push_back(v.get<std::string>());
      std::sort(node.string_set.begin(), node.string_set.end());
    }
  } else if (op == Op::kExists && !value.is_boolean()) {
    return invalid_argument("$exists on '" + field + "' expects true or false");
  } else if (op == Op::kMatch && !value.is_string()) {
    return invalid_argument("$match on '" + field + "' expects a string pattern");
  }
  return node;
}

Result<Node> compile_field(const std::string& field, const Json& condition) {
  bool has_ops = false;
  if (condition.is_object()) {
    for (auto it = condition.begin(); it != condition.end(); ++it) {
      if (it.key().starts_with("$")) has_ops = true;
    }
  }
  if (!has_ops) return compile_condition(field, Op::kEq, condition, "$eq");
  Node node;
  node.kind = Node::Kind::kAnd;
  for (const auto& [name, value] : condition.items()) {
    auto op = op_from_name(name);
    if (!op) {
      return invalid_argument("unknown DQL operator '" + name + "' on field '" + field + "'");
    }
    DLX_ASSIGN_OR_RETURN(Node child, compile_condition(field, *op, value, name));
    node.children.push_back(std::move(child));
  }
  if (node.children.size() == 1) return std::move(node.children.front());
  return node;
}

Result<Node> compile_object(const Json& filter) {
  Node node;
  node.kind = Node::Kind::kAnd;
  if (filter.is_null()) return node;
  if (!filter.is_object()) return invalid_argument("a DQL filter must be an object");
  for (const auto& [key, value] : filter.items()) {
    if (key == "$and" || key == "$or") {
      DLX_ASSIGN_OR_RETURN(
          Node child, compile_list(value, key == "$and" ? Node::Kind::kAnd : Node::Kind::kOr, key));
      node.children.push_back(std::move(child));
    } else if (key.starts_with("$")) {
      return invalid_argument("unknown DQL operator '" + key + "'");
    } else {
      DLX_ASSIGN_OR_RETURN(Node child, compile_field(key, value));
      node.children.push_back(std::move(child));
    }
  }
  return node;
}

// Visits the conjuncts that must hold for the whole filter to hold.
template <typename Visit>
void for_each_conjunct(const Node& node, const Visit& visit) {
  if (node.kind == Node::Kind::kAnd) {
    for (const Node& child : node.children) for_each_conjunct(child, visit);
  } else if (node.kind == Node::Kind::kCond) {
    visit(node);
  }
}

}  // namespace

Result<Filter> Filter::compile(const Json& filter) {
  DLX_ASSIGN_OR_RETURN(Node root, compile_object(filter));
  Filter out;
  for_each_conjunct(root, [&](const Node& cond) {
    if (cond.path->full == "id" && (cond.op == Op::kGt || cond.op == Op::kGte) &&
        cond.value.is_string()) {
      IdBound bound{cond.value.get<std::string>(), cond.op == Op::kGte};
      if (!out.id_lower_bound_ || out.id_lower_bound_->id < bound.id) out.id_lower_bound_ = bound;
    }
    if (cond.path->full == "itemId" && !out.item_ids_) {
      if (cond.op == Op::kEq && cond.value.is_string()) {
        out.item_ids_ = std::vector<std::string>{cond.value.get<std::string>()};
      } else if (cond.op == Op::kIn && cond.string_set_only) {
        out.item_ids_ = cond.string_set;
      }
    }
  });
  out.root_ = std::make_shared<const Node>(std::move(root));
  return out;
}

bool Filter::matches(const Document& doc) const { return root_ == nullptr || root_->eval(doc); }

Result<SortSpec> parse_sort(const Json& body) {
  SortSpec spec;
  auto it = body.find("sort");
  if (it == body.end() || it->is_null()) return spec;
  if (!it->is_object()) return invalid_argument("sort must be an object");
  if (it->empty()) return spec;
  auto first = it->begin();
  spec.field = FieldPath(first.key());
  const Json& dir = first.value();
  if (dir.is_string()) {
    const auto& s = dir.get_ref<const std::string&>();
    if (s == "ascending" || s == "asc") {
      spec.descending = false;
    } else if (s == "descending" || s == "desc") {
      spec.descending = true;
    } else {
      return invalid_argument("unknown sort direction '" + s + "'");
    }
  } else if (dir.is_number()) {
    spec.descending = dir.get<double>() < 0;
  } else {
    return invalid_argument("sort direction must be a string or 1/-1");
  }
  return spec;
}

Result<PageSpec> parse_page(const Json& body) {
  PageSpec spec;
  if (auto it = body.find("page"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
      return invalid_argument("page must be a non-negative integer");
    }
    spec.page = it->get<std::int64_t>();
  }
  if (auto it = body.find("pageSize"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) return invalid_argument("pageSize must be an integer");
    std::int64_t size = it->get<std::int64_t>();
    if (size <= 0 || size > 1000) return invalid_argument("pageSize must be between 1 and 1000");
    spec.page_size = size;
  }
  return spec;
}

int compare_values(const Json* a, const Json* b) {
  auto rank = [](const Json* v) {
    if (v == nullptr || v->is_null()) return 0;
    if (v->is_boolean()) return 1;
    if (v->is_number()) return 2;
    if (v->is_string()) return 3;
    return 4;
  };
  int ra = rank(a), rb = rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 0) return 0;
  if (ra == 1) return static_cast<int>(a->get<bool>()) - static_cast<int>(b->get<bool>());
  bool comparable = false;
  if (ra == 2 || ra == 3) return order(*a, *b, &comparable);
  std::string x = a->dump(), y = b->dump();
  return x < y ? -1 : (y < x ? 1 : 0);
}

}  // namespace dlexport::emulator
