#pragma once
// The SQLite JobQueue, the embedded default: one database file `<state_dir>/queue.db` in WAL mode.
//
// One connection per queue, guarded by a mutex. SQLite serialises writers on a file anyway, and
// every queue operation but stats/job_status writes; a connection per thread measured no faster
// on the claim/ack benchmark (bench/queue_bench.cc) and made busy-retry the common case instead of
// the exception. Several processes may open the same file: every write transaction starts with
// BEGIN IMMEDIATE (the write lock is taken up front, so a busy file is waited for under the busy
// timeout rather than failing half-way), and a process that crashes leaves nothing held but its
// leases, which expire.

#include <chrono>
#include <string>

#include "common/clock.h"
#include "queue/job_queue.h"

namespace dlexport::queue {

inline constexpr const char* kQueueFileName = "queue.db";

struct SqliteJobQueueOptions {
  // A database file (created with its directory when missing) or ":memory:".
  std::string path;
  int max_attempts = 10;  // then the dead-letter table (config: queue.max_attempts)
  // How long `done` records are kept for GET /v1/exports/{job_id}.
  std::chrono::milliseconds done_retention{std::chrono::hours(1)};
  std::chrono::milliseconds busy_timeout{std::chrono::seconds(10)};
  bool synchronous_full = false;  // fsync every commit (survives power loss, slower)
};

// The schema version this binary writes. Opening a newer database fails (kFailedPrecondition).
inline constexpr int kQueueSchemaVersion = 1;

Result<JobQueuePtr> open_sqlite_job_queue(const SqliteJobQueueOptions& options,
                                          Clock& clock = system_clock());

}  // namespace dlexport::queue
