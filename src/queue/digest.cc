#include <openssl/evp.h>

#include <array>

#include "queue/export_ledger.h"

namespace dlexport::queue {
namespace {

// OpenSSL 3 resolves EVP_sha256() through the provider registry (a locked lookup) on every
// EVP_Digest call; fetching the implementation once makes each digest just the hashing. Never
// freed (process lifetime), like OpenSSL's own default provider.
const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md != nullptr ? md : EVP_sha256();
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // EVP_Digest with SHA-256 cannot fail for in-memory input on a working OpenSSL; a failure
  // leaves length 0 and yields "", which never matches a stored digest (so we re-upload).
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, sha256_md(), nullptr) != 1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(length) * 2, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace dlexport::queue
