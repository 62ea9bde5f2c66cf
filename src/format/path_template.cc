#include "format/path_template.h"

#include <fmt/format.h>

namespace dlexport::format {
namespace {

bool has_control(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

// The first '.' or '..' segment of a '/'-separated path, if any.
bool has_dot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view seg = path.substr(start, end - start);
    if (seg == "." || seg == "..") return true;
    start = end + 1;
  }
  return false;
}

std::string_view string_member(const JsonNode& item, std::string_view key) {
  const JsonNode* value = item.find(key);
  return value != nullptr && value->is_string() ? value->string() : std::string_view();
}

// The upload's remote_path without its trailing '/': None -> "", "a/b/" -> "/a/b".
std::string normalised_dir(std::string_view dir) {
  std::string out;
  if (dir.empty() || dir.front() != '/') out += '/';
  out += dir;
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

std::string_view path_stem(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return name;
  }
  // A run of leading dots in the last component is not an extension (".hidden").
  const std::size_t base = slash == std::string_view::npos ? 0 : slash + 1;
  for (std::size_t i = base; i < dot; ++i) {
    if (name[i] != '.') return name.substr(0, dot);
  }
  return name;
}

std::string_view path_ext(std::string_view name) { return name.substr(path_stem(name).size()); }

Result<PathTemplate> PathTemplate::parse(std::string_view text) {
  auto reject = [&](std::string_view why) {
    return invalid_argument(fmt::format("path template '{}': {}", text, why));
  };
  if (text.empty()) return reject("is empty");
  if (has_control(text)) return reject("contains a control character");
  if (text.find('\\') != std::string_view::npos) return reject("contains a backslash");
  PathTemplate t;
  t.text_ = std::string(text);
  bool any_placeholder = false;
  std::string literal;
  std::string skeleton;  // literals with each placeholder replaced by "x", to check segments
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '}') return reject(fmt::format("unmatched '}}' at offset {}", i));
    if (c != '{') {
      literal += c;
      skeleton += c;
      continue;
    }
    const std::size_t close = text.find('}', i);
    if (close == std::string_view::npos)
      return reject(fmt::format("unclosed '{{' at offset {}", i));
    const std::string_view name = text.substr(i + 1, close - i - 1);
    Field field;
    if (name == "dir") {
      field = Field::kDir;
    } else if (name == "name") {
      field = Field::kName;
    } else if (name == "stem") {
      field = Field::kStem;
    } else if (name == "ext") {
      field = Field::kExt;
    } else if (name == "id") {
      field = Field::kId;
    } else if (name == "dataset_id") {
      field = Field::kDatasetId;
    } else {
      return reject(fmt::format(
          "unknown placeholder '{{{}}}' (known: {{dir}} {{name}} {{stem}} {{ext}} {{id}} "
          "{{dataset_id}})",
          name));
    }
    if (!literal.empty()) t.parts_.push_back({Field::kLiteral, std::move(literal)});
    literal.clear();
    t.parts_.push_back({field, {}});
    skeleton += 'x';
    any_placeholder = true;
    i = close;
  }
  if (!literal.empty()) t.parts_.push_back({Field::kLiteral, std::move(literal)});
  if (!any_placeholder) return reject("has no placeholder, every item would get the same path");
  if (has_dot_segment(skeleton)) return reject("contains a '.' or '..' segment");
  return t;
}

Result<std::string> PathTemplate::render(const Json& item) const {
  return render(JsonDoc::from_json(item)->root());
}

Result<std::string> PathTemplate::render(const JsonNode& item) const {
  const std::string_view id = string_member(item, "id");
  auto reject = [&](std::string_view why) {
    return invalid_argument(
        fmt::format("item {}: cannot build its export path: {}", id.empty() ? "(no id)" : id, why));
  };
  const std::string_view name = string_member(item, "name");
  std::string out;
  for (const Part& part : parts_) {
    std::string_view value;
    std::string dir;
    switch (part.field) {
      case Field::kLiteral:
        value = part.literal;
        break;
      case Field::kDir:
        dir = normalised_dir(string_member(item, "dir"));
        value = dir;
        break;
      case Field::kName:
        value = name;
        break;
      case Field::kStem:
        value = path_stem(name);
        break;
      case Field::kExt:
        value = path_ext(name);
        break;
      case Field::kId:
        value = id;
        break;
      case Field::kDatasetId:
        value = string_member(item, "datasetId");
        break;
    }
    if (part.field != Field::kLiteral && part.field != Field::kDir && part.field != Field::kExt) {
      if (value.empty()) return reject("the item has no usable value for a placeholder");
      // The upload strips a leading '/' from the remote name.
      while (!value.empty() && value.front() == '/' &&
             (part.field == Field::kStem || part.field == Field::kName))
        value.remove_prefix(1);
    }
    out += value;
  }
  if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
  if (has_control(out)) return reject("a value contains a control character");
  if (has_dot_segment(out))
    return reject(fmt::format("'{}' would contain a '.' or '..' segment", out));
  if (out.back() == '/') return reject(fmt::format("'{}' names a folder, not a file", out));
  return out;
}

}  // namespace dlexport::format
