#pragma once
// A whole-body multipart/form-data parser for uploads (WIRE.md §6.1).
//
// Why not cpp-httplib's: the 0.11.4 streaming parser rejects bodies whose chunks are shorter
// than the boundary line, which is exactly how aiohttp (the SDK) sends them (13 chunks for a
// small file, some 2 bytes long). The server therefore reads upload bodies raw and parses them
// here. Pure function, thread-safe.

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace dlexport::emulator {

struct FormPart {
  std::string name;
  std::string filename;      // the raw `filename` parameter ("" when absent)
  std::string content_type;  // "" when the part has no Content-Type
  std::string content;
};

// The `boundary` parameter of a multipart Content-Type ("" when there is none).
std::string multipart_boundary(std::string_view content_type);

// Parts by name (the last one wins on duplicates). kInvalidArgument on malformed bodies.
Result<std::map<std::string, FormPart>> parse_multipart(std::string_view body,
                                                        std::string_view boundary);

}  // namespace dlexport::emulator
