#include "emulator/multipart.h"

#include <algorithm>
#include <cctype>

namespace dlexport::emulator {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The value of parameter `key` in a header like `form-data; name="file"; filename="a.json"`
// (quoted strings may contain ';' and backslash escapes).
std::string header_param(std::string_view header, std::string_view key) {
  const std::size_t n = header.size();
  std::size_t i = 0;
  for (;;) {
    const std::size_t semi = header.find(';', i);
    if (semi == std::string_view::npos) return "";
    i = semi + 1;
    const std::size_t eq = header.find('=', i);
    if (eq == std::string_view::npos) return "";
    const std::string name = lower(trim(header.substr(i, eq - i)));
    i = eq + 1;
    while (i < n && (header[i] == ' ' || header[i] == '\t')) ++i;
    std::string value;
    if (i < n && header[i] == '"') {
      for (++i; i < n && header[i] != '"'; ++i) {
        if (header[i] == '\\' && i + 1 < n) ++i;
        value.push_back(header[i]);
      }
      ++i;
    } else {
      std::size_t end = header.find(';', i);
      if (end == std::string_view::npos) end = n;
      value = std::string(trim(header.substr(i, end - i)));
      i = end;
    }
    if (name == key) return value;
  }
}

}  // namespace

std::string multipart_boundary(std::string_view content_type) {
  return header_param(content_type, "boundary");
}

Result<std::map<std::string, FormPart>> parse_multipart(std::string_view body,
                                                        std::string_view boundary) {
  if (boundary.empty()) return invalid_argument("multipart body without boundary");
  const std::string delimiter = "--" + std::string(boundary);
  std::size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return invalid_argument("multipart boundary not found");
  std::map<std::string, FormPart> parts;
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n") return invalid_argument("malformed multipart delimiter");
    pos += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) return invalid_argument("unterminated part headers");
    FormPart part;
    std::string_view headers = body.substr(pos, headers_end - pos);
    while (!headers.empty()) {
      std::size_t eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      headers.remove_prefix(eol == std::string_view::npos ? headers.size() : eol + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string key = lower(trim(line.substr(0, colon)));
      const std::string_view value = trim(line.substr(colon + 1));
      if (key == "content-disposition") {
        part.name = header_param(value, "name");
        part.filename = header_param(value, "filename");
      } else if (key == "content-type") {
        part.content_type = std::string(value);
      }
    }
    const std::size_t content_start = headers_end + 4;
    const std::size_t next = body.find("\r\n" + delimiter, content_start);
    if (next == std::string_view::npos) return invalid_argument("unterminated multipart part");
    part.content = std::string(body.substr(content_start, next - content_start));
    if (part.name.empty()) return invalid_argument("multipart part without a name");
    parts[part.name] = std::move(part);
    pos = next + 2;
  }
}

}  // namespace dlexport::emulator
