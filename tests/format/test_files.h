#pragma once
// Small helpers shared by the format tests.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace dlexport::format::testing {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace dlexport::format::testing
