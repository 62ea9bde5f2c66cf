#pragma once
// The quick reading of an upload answer (POST /datasets/{id}/items, WIRE.md §6): the stored
// item's id and metadata.system.size, taken from the answer's bytes without building a JSON
// document. An export uploads one file per item, and building (then freeing) the ~1 KB item it
// gets back cost as much as a tenth of the item's whole upload.
//
// It answers only for the plain case: a valid JSON object (UTF-8 checked) whose keys have no
// escapes and whose strings have no \u escapes, with exactly one top-level "id" string
// (non-empty, no escapes) and exactly one metadata.system.size that is an integer equal to
// `expected_size`. Anything else (an error, a size mismatch, duplicate keys, exponents, deep
// nesting) gives nullopt, and the caller parses the answer fully, which judges it and words the
// error exactly as before.

#include <cstdint>
#include <optional>
#include <string_view>

namespace dlexport::dataloop {

// The item id in `body` (a view into it), or nullopt for "parse it fully".
std::optional<std::string_view> quick_upload_answer(std::string_view body,
                                                    std::uint64_t expected_size);

}  // namespace dlexport::dataloop
