#pragma once
// Where tests find things outside the build: the shared/ reference folder and the binaries.

#include <filesystem>

namespace dlexport::testing {

// ../shared beside the checkout (overridable with env DLX_SHARED_DIR).
std::filesystem::path shared_dir();
// build/bin, where dlexport and dlexport-emulator are (overridable with env DLX_BIN_DIR).
std::filesystem::path bin_dir();
// A fresh, empty temporary directory, removed by the caller (or left for post-mortem).
std::filesystem::path make_temp_dir(const char* prefix = "dlx-test");

}  // namespace dlexport::testing
