#include "emulator/jwt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstring>

namespace dlexport::emulator {
namespace {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

// Constant-time so a wrong signature does not leak how much of it matched.
bool same_bytes(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

Status unauthenticated(std::string message) {
  return {StatusCode::kUnauthenticated, std::move(message)};
}

}  // namespace

std::string sign_jwt(const Json& payload, std::string_view secret) {
  static const std::string header = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  std::string signing_input = header + "." + base64url_encode(payload.dump());
  std::string signature = base64url_encode(hmac_sha256(secret, signing_input));
  return signing_input + "." + signature;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string make_token(std::string_view email, std::chrono::seconds ttl, std::string_view secret) {
  const std::int64_t now = unix_now();
  Json payload = {{"email", std::string(email)},
                  {"sub", std::string(email)},
                  {"iss", "dlexport-emulator"},
                  {"iat", now},
                  {"exp", now + ttl.count()}};
  return sign_jwt(payload, secret);
}

Result<Json> verify_jwt(std::string_view token, std::string_view secret, std::int64_t now) {
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return unauthenticated("malformed token");
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);
  auto header_text = base64url_decode(header_b64);
  auto payload_text = base64url_decode(payload_b64);
  auto signature = base64url_decode(signature_b64);
  if (!header_text || !payload_text || !signature) return unauthenticated("malformed token");
  Json header;
  Json payload;
  try {
    header = Json::parse(*header_text);
    payload = Json::parse(*payload_text);
  } catch (const Json::exception&) {
    return unauthenticated("malformed token");
  }
  if (!header.is_object() || !payload.is_object()) return unauthenticated("malformed token");
  if (header.value("alg", "") != "HS256") return unauthenticated("unsupported token algorithm");
  const std::string expected =
      hmac_sha256(secret, token.substr(0, dot2));  // header.payload as sent, not re-encoded
  if (!same_bytes(expected, *signature)) return unauthenticated("invalid token signature");
  auto exp = payload.find("exp");
  if (exp == payload.end() || !exp->is_number()) return unauthenticated("token has no expiry");
  if (exp->get<double>() <= static_cast<double>(now)) return unauthenticated("token expired");
  return payload;
}

}  // namespace dlexport::emulator
