#pragma once
// The benchmarks' input: files of one golden case (../shared/dataloop/golden/013-image, an image
// item whose annotations are the realistic mix: boxes, polylines, a segment, an ellipse, a point,
// a class, with named attributes). The directory comes from DLX_GOLDEN_DIR, set by
// dlx_add_bench(... GOLDEN).

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "common/json.h"

namespace dlexport::bench {

// A file of the case, parsed as the client parses platform JSON; exits on a missing or bad file,
// since a benchmark without its input measures nothing.
inline Json load_golden(const std::string& name) {
  const std::string path = std::string(DLX_GOLDEN_DIR) + "/013-image/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << path << " (is ../shared beside the checkout?)\n";
    std::exit(1);
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = parse_json(text.str(), path);
  if (!parsed) {
    std::cerr << parsed.error().message() << "\n";
    std::exit(1);
  }
  return std::move(*parsed);
}

}  // namespace dlexport::bench
