#pragma once
// The SQLite ExportLedger: one table in `<state_dir>/export-ledger.db`, WAL journal, a busy
// timeout so several dlexport processes can write at once, one connection per ledger guarded by
// a mutex (SQLite serialises writers anyway; the mutex keeps the connection single-threaded).

#include <string>

#include "queue/export_ledger.h"

namespace dlexport::queue {

inline constexpr const char* kLedgerFileName = "export-ledger.db";

// `path` is a database file (created with its directory when missing) or ":memory:".
Result<ExportLedgerPtr> open_sqlite_export_ledger(const std::string& path);

}  // namespace dlexport::queue
