#pragma once
// PathClaims: which item first claimed each object path during one export run, so that when two
// items map to one path the second is refused before it can overwrite the first.
//
// Keys are 64-bit hashes of the paths (path_hash()), values the claiming item's id. claim() takes
// a whole batch of (hash, item id) pairs at once and answers the claims that met a hash already
// held by ANOTHER item; an item claiming a hash it already holds is not a conflict. Because keys
// are hashes, a conflict is a candidate: the caller confirms that the paths are really equal (two
// different paths may share a hash; then the second item is not a collision and exports normally,
// while the hash stays with the first).
//
// Implementations: sqlite/ (a private temporary database with a fixed page cache, so memory stays
// flat however many items a run claims; the rows spill to a temporary file that is deleted on
// close). Thread-safe: the export's preparer threads share one instance.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace dlexport::queue {

struct PathClaim {
  std::uint64_t path_hash = 0;
  std::string_view item_id;
};

struct ClaimConflict {
  std::size_t index = 0;      // into the claims passed to claim()
  std::string first_item_id;  // the item that holds the hash
};

class PathClaims {
 public:
  virtual ~PathClaims() = default;
  // Claims each hash not held yet for its item, in order (of two claims of one hash in the same
  // call the earlier wins), in one transaction, and returns the conflicts in order. All or
  // nothing: after an error none of this call's claims is held.
  virtual Result<std::vector<ClaimConflict>> claim(std::span<const PathClaim> claims) = 0;
};

using PathClaimsPtr = std::unique_ptr<PathClaims>;

// The key of an object path. Stable within a process only: claims never outlive a run.
inline std::uint64_t path_hash(std::string_view path) {
  return std::hash<std::string_view>{}(path);
}

}  // namespace dlexport::queue
