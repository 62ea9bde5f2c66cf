#pragma once
// ExportLedger: what this machine has already exported, so a rerun of `dlexport export` uploads
// only what is missing or changed.
//
// One entry per (target, item id): the object path the item was last written to and the SHA-256
// of the bytes written there. An exporter encodes the item, then looks it up (lookup(), or
// lookup_many() for a whole batch in one query) and compares with ledger_unchanged(); only when
// the path or the digest differ does it upload, and after a successful upload it calls record().
// The ledger is a local cache, not the truth: if a bucket object is removed by hand, `--force`
// (which bypasses the ledger) writes it again.
//
// Implementations: sqlite/ (a file in queue.state_dir, WAL mode, safe with several processes
// writing at once). Thread-safe: one ledger is shared by every worker thread.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace dlexport::queue {

struct LedgerEntry {
  std::string target;  // e.g. "driver:6600000000000000000000d1"
  std::string item_id;
  std::string path;    // object path written
  std::string sha256;  // hex digest of the bytes written
};

class ExportLedger {
 public:
  virtual ~ExportLedger() = default;
  virtual Result<std::optional<LedgerEntry>> lookup(const std::string& target,
                                                    const std::string& item_id) = 0;
  // The entries of `item_ids` under `target`, keyed by item id; ids without an entry are absent.
  // One query per call (however many ids), so a batch costs one round trip to the database.
  virtual Result<std::unordered_map<std::string, LedgerEntry>> lookup_many(
      const std::string& target, const std::vector<std::string>& item_ids) = 0;
  // Inserts or replaces the entries in one transaction.
  virtual Status record(const std::vector<LedgerEntry>& entries) = 0;
  // Drops every entry of a target (e.g. after its bucket was emptied).
  virtual Status forget_target(const std::string& target) = 0;
};

using ExportLedgerPtr = std::unique_ptr<ExportLedger>;

// True when `entry` says exactly these bytes were already written at `path`.
inline bool ledger_unchanged(const LedgerEntry& entry, std::string_view path,
                             std::string_view sha256) {
  return entry.path == path && entry.sha256 == sha256;
}
inline bool ledger_unchanged(const std::optional<LedgerEntry>& entry, std::string_view path,
                             std::string_view sha256) {
  return entry.has_value() && ledger_unchanged(*entry, path, sha256);
}

// Lowercase hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace dlexport::queue
