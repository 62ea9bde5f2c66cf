#include "common/redact.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace dlexport {
namespace {

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' ||
         c == '/' || c == '=';
}

bool is_b64url_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '-' || c == '_';
}

bool iequals_at(std::string_view text, std::size_t pos, std::string_view word) {
  if (pos + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[pos + i])) !=
        std::tolower(static_cast<unsigned char>(word[i]))) {
      return false;
    }
  }
  return true;
}

void replace_all(std::string& text, std::string_view needle) {
  if (needle.empty()) return;
  std::size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    text.replace(pos, needle.size(), kRedacted);
    pos += kRedacted.size();
  }
}

// "Bearer <token>" in any case.
void mask_bearer(std::string& text) {
  static constexpr std::string_view kBearer = "bearer ";
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    if (!iequals_at(text, pos, kBearer)) continue;
    std::size_t start = pos + kBearer.size();
    std::size_t end = start;
    while (end < text.size() && is_token_char(text[end])) ++end;
    if (end > start) text.replace(start, end - start, kRedacted);
    pos = start;
  }
}

// Anything shaped like a JWT: eyJ<b64url>.<b64url>.<b64url>.
void mask_jwts(std::string& text) {
  std::size_t pos = 0;
  while ((pos = text.find("eyJ", pos)) != std::string::npos) {
    if (pos > 0 && is_b64url_char(text[pos - 1])) {
      pos += 3;
      continue;
    }
    std::size_t end = pos;
    int dots = 0;
    while (end < text.size() && (is_b64url_char(text[end]) || text[end] == '.')) {
      if (text[end] == '.') ++dots;
      ++end;
    }
    if (dots >= 1) {
      text.replace(pos, end - pos, kRedacted);
      pos += kRedacted.size();
    } else {
      pos = end;
    }
  }
}

// "password": "x", password=x, 'refresh_token': 'x' ... for credential-like field names.
void mask_fields(std::string& text) {
  static constexpr std::array<std::string_view, 9> kFields = {
      "password", "refresh_token", "id_token", "access_token", "api_key",
      "apikey",   "secret",        "jwt",      "token"};
  for (std::string_view field : kFields) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t found = std::string::npos;
      for (std::size_t i = pos; i + field.size() <= text.size(); ++i) {
        if (iequals_at(text, i, field)) {
          found = i;
          break;
        }
      }
      if (found == std::string::npos) break;
      std::size_t i = found + field.size();
      // Allow a closing quote, spaces, then ':' or '='.
      if (i < text.size() && (text[i] == '"' || text[i] == '\'')) ++i;
      while (i < text.size() && text[i] == ' ') ++i;
      if (i >= text.size() || (text[i] != ':' && text[i] != '=')) {
        pos = found + field.size();
        continue;
      }
      ++i;
      while (i < text.size() && text[i] == ' ') ++i;
      std::size_t start = i;
      std::size_t end = i;
      if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
        const char quote = text[i];
        start = i + 1;
        end = start;
        while (end < text.size() && text[end] != quote) {
          if (text[end] == '\\' && end + 1 < text.size()) ++end;
          ++end;
        }
      } else {
        while (end < text.size() && text[end] != '&' && text[end] != ',' && text[end] != ' ' &&
               text[end] != '}' && text[end] != '\n' && text[end] != '\r') {
          ++end;
        }
      }
      if (end > start && text.compare(start, end - start, kRedacted) != 0) {
        text.replace(start, end - start, kRedacted);
        end = start + kRedacted.size();
      }
      pos = std::max(end, found + field.size());
    }
  }
}

}  // namespace

std::string redact(std::string_view text, const std::vector<std::string>& known_secrets) {
  std::string out(text);
  // Longest first, so a secret that contains another is masked whole.
  std::vector<std::string> secrets = known_secrets;
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& secret : secrets) replace_all(out, secret);
  mask_bearer(out);
  mask_jwts(out);
  mask_fields(out);
  return out;
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  // Step back over UTF-8 continuation bytes so we never split a code point.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out(text.substr(0, cut));
  out += "...";
  return out;
}

}  // namespace dlexport
