#include "tests/support/paths.h"

#include <cstdlib>
#include <string>

namespace dlexport::testing {

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("DLX_SHARED_DIR"); env && *env) return env;
  return DLX_SHARED_DIR;
}

std::filesystem::path bin_dir() {
  if (const char* env = std::getenv("DLX_BIN_DIR"); env && *env) return env;
  return DLX_BIN_DIR;
}

std::filesystem::path make_temp_dir(const char* prefix) {
  std::string templ = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX"));
  char* made = ::mkdtemp(templ.data());
  if (made == nullptr) std::abort();
  return made;
}

}  // namespace dlexport::testing
