#include "queue/sqlite/sqlite_export_ledger.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <mutex>

namespace dlexport::queue {
namespace {

constexpr int kBusyTimeoutMs = 10'000;
// Ids per lookup_many query: far below SQLITE_MAX_VARIABLE_NUMBER (999 in old builds).
constexpr std::size_t kMaxIdsPerQuery = 500;

Status sqlite_error(sqlite3* db, std::string_view what) {
  return {StatusCode::kInternal, fmt::format("export ledger: {}: {}", what,
                                             db != nullptr ? sqlite3_errmsg(db) : "no database")};
}

// RAII for one prepared statement.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    status_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return status_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  // Without a copy: `text` must stay unchanged until the statement is reset or finalized.
  void bind_static(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int status_ = SQLITE_ERROR;
};

std::string column_text(sqlite3_stmt* stmt, int column) {
  const auto* text = sqlite3_column_text(stmt, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
}

class SqliteExportLedger final : public ExportLedger {
 public:
  explicit SqliteExportLedger(sqlite3* db) : db_(db) {}
  ~SqliteExportLedger() override { sqlite3_close(db_); }

  Result<std::optional<LedgerEntry>> lookup(const std::string& target,
                                            const std::string& item_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement stmt(db_, "SELECT path, sha256 FROM exported WHERE target = ?1 AND item_id = ?2");
    if (!stmt.ok()) return sqlite_error(db_, "prepare lookup");
    stmt.bind(1, target);
    stmt.bind(2, item_id);
    const int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) return std::optional<LedgerEntry>();
    if (rc != SQLITE_ROW) return sqlite_error(db_, "lookup");
    return std::optional<LedgerEntry>(
        LedgerEntry{target, item_id, column_text(stmt.get(), 0), column_text(stmt.get(), 1)});
  }

  Result<std::unordered_map<std::string, LedgerEntry>> lookup_many(
      const std::string& target, const std::vector<std::string>& item_ids) override {
    std::unordered_map<std::string, LedgerEntry> found;
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t start = 0; start < item_ids.size(); start += kMaxIdsPerQuery) {
      const std::size_t count = std::min(kMaxIdsPerQuery, item_ids.size() - start);
      std::string sql =
          "SELECT item_id, path, sha256 FROM exported WHERE target = ?1 AND item_id IN (";
      for (std::size_t i = 0; i < count; ++i) sql += i == 0 ? "?" : ",?";
      sql += ")";
      Statement stmt(db_, sql.c_str());
      if (!stmt.ok()) return sqlite_error(db_, "prepare lookup");
      stmt.bind(1, target);
      for (std::size_t i = 0; i < count; ++i)
        stmt.bind(static_cast<int>(i + 2), item_ids[start + i]);
      int rc = SQLITE_ROW;
      while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        std::string id = column_text(stmt.get(), 0);
        found.insert_or_assign(
            id, LedgerEntry{target, id, column_text(stmt.get(), 1), column_text(stmt.get(), 2)});
      }
      if (rc != SQLITE_DONE) return sqlite_error(db_, "lookup");
    }
    return found;
  }

  Status record(const std::vector<LedgerEntry>& entries) override {
    if (entries.empty()) return {};
    std::lock_guard<std::mutex> lock(mu_);
    // BEGIN IMMEDIATE takes the write lock up front, so a busy database is waited for here (busy
    // timeout) instead of failing half-way through the transaction.
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return sqlite_error(db_, "begin");
    }
    // One timestamp for the whole transaction (formatting it per row was a third of the cost),
    // then the rows through one statement bound without copies (`entries` outlives it).
    Statement now(db_, "SELECT strftime('%Y-%m-%dT%H:%M:%fZ','now')");
    Statement stmt(db_,
                   "INSERT INTO exported (target, item_id, path, sha256, updated_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5) "
                   "ON CONFLICT (target, item_id) DO UPDATE SET path = excluded.path, "
                   "sha256 = excluded.sha256, updated_at = excluded.updated_at");
    Status status;
    std::string updated_at;
    if (!now.ok() || !stmt.ok()) {
      status = sqlite_error(db_, "prepare record");
    } else if (sqlite3_step(now.get()) != SQLITE_ROW) {
      status = sqlite_error(db_, "record time");
    } else {
      updated_at = column_text(now.get(), 0);
      stmt.bind_static(5, updated_at);
    }
    for (std::size_t i = 0; status.is_ok() && i < entries.size(); ++i) {
      const LedgerEntry& e = entries[i];
      sqlite3_reset(stmt.get());
      stmt.bind_static(1, e.target);
      stmt.bind_static(2, e.item_id);
      stmt.bind_static(3, e.path);
      stmt.bind_static(4, e.sha256);
      if (sqlite3_step(stmt.get()) != SQLITE_DONE) status = sqlite_error(db_, "record");
    }
    if (!status.is_ok()) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return status;
    }
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      Status error = sqlite_error(db_, "commit");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return error;
    }
    return {};
  }

  Status forget_target(const std::string& target) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement stmt(db_, "DELETE FROM exported WHERE target = ?1");
    if (!stmt.ok()) return sqlite_error(db_, "prepare forget");
    stmt.bind(1, target);
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) return sqlite_error(db_, "forget");
    return {};
  }

 private:
  std::mutex mu_;
  sqlite3* db_;  // guarded by mu_
};

}  // namespace

Result<ExportLedgerPtr> open_sqlite_export_ledger(const std::string& path) {
  if (path != ":memory:") {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return invalid_argument(fmt::format("export ledger: cannot create directory '{}': {}",
                                          parent.string(), ec.message()));
    }
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Status error =
        invalid_argument(fmt::format("export ledger: cannot open '{}': {}", path,
                                     db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return error;
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS exported ("
      "  target TEXT NOT NULL, item_id TEXT NOT NULL, path TEXT NOT NULL,"
      "  sha256 TEXT NOT NULL, updated_at TEXT NOT NULL,"
      "  PRIMARY KEY (target, item_id)) WITHOUT ROWID;";
  char* message = nullptr;
  if (sqlite3_exec(db, setup, nullptr, nullptr, &message) != SQLITE_OK) {
    Status error = internal_error(fmt::format("export ledger: cannot initialise '{}': {}", path,
                                              message != nullptr ? message : "unknown error"));
    sqlite3_free(message);
    sqlite3_close(db);
    return error;
  }
  return ExportLedgerPtr(std::make_unique<SqliteExportLedger>(db));
}

}  // namespace dlexport::queue
