#pragma once
// The SQLite PathClaims: one table in a private temporary database (SQLite's "" file name: a file
// in SQLITE_TMPDIR, TMPDIR, /var/tmp or /tmp, unlinked as soon as it is opened, so nothing is left
// behind even after a crash), keyed by the path hash, with the page cache capped at `cache_kib`.
// Rows beyond the cache live in the file (the kernel's page cache), not in the process: memory
// stays flat for any number of items. One transaction per claim() call; no fsync (the data dies
// with the process anyway). One connection guarded by a mutex.

#include <cstdint>
#include <string>

#include "queue/path_claims.h"

namespace dlexport::queue {

struct SqlitePathClaimsOptions {
  // The page cache. ~34 bytes per claim: the default keeps ~30k claims in memory; beyond that a
  // claim usually reads a page from the file. Measured (bench/path_claims_bench.cc): ~1 µs per
  // claim for a run of 10k items, ~2.4 µs at 100k, ~4 µs at 1M; a 2 MiB cache saves ~0.5 µs at
  // 100k and nothing at 1M.
  int cache_kib = 1024;
  // The database file; "" (the default) is a private temporary one. Tests use a path to provoke
  // open errors.
  std::string path;
  // Caps the database at this many pages (0: no cap), so a claim() can fail with "database or
  // disk is full"; tests use it to exercise the error path.
  std::int64_t max_pages = 0;
};

Result<PathClaimsPtr> open_sqlite_path_claims(const SqlitePathClaimsOptions& options = {});

}  // namespace dlexport::queue
