#include "queue/sqlite/sqlite_path_claims.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>
#include <utility>

namespace dlexport::queue {
namespace {

// Platform ids are 24 lowercase hex digits; those are stored as 12 bytes because a smaller row
// keeps more claims per cached page (fewer reads from the file). Any other id is stored as text,
// exactly, so every id round-trips.
constexpr std::size_t kPackedIdBytes = 12;
using PackedId = std::array<unsigned char, kPackedIdBytes>;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool pack_id(std::string_view id, PackedId& out) {
  if (id.size() != 2 * kPackedIdBytes) return false;
  for (std::size_t i = 0; i < kPackedIdBytes; ++i) {
    const int hi = hex_digit(id[2 * i]);
    const int lo = hex_digit(id[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

std::string column_id(sqlite3_stmt* stmt, int column) {
  const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, column));
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, column));
  if (data == nullptr) return {};
  if (sqlite3_column_type(stmt, column) != SQLITE_BLOB) {
    return std::string(reinterpret_cast<const char*>(data), size);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    id.push_back(kHex[data[i] >> 4]);
    id.push_back(kHex[data[i] & 0xf]);
  }
  return id;
}

Status sqlite_error(sqlite3* db, std::string_view what) {
  return internal_error(fmt::format("path claims: {}: {}", what,
                                    db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

class SqlitePathClaims final : public PathClaims {
 public:
  explicit SqlitePathClaims(sqlite3* db) : db_(db) {}
  ~SqlitePathClaims() override {
    for (sqlite3_stmt* stmt : {insert_, select_, begin_, commit_, rollback_}) {
      sqlite3_finalize(stmt);
    }
    sqlite3_close(db_);
  }
  SqlitePathClaims(const SqlitePathClaims&) = delete;
  SqlitePathClaims& operator=(const SqlitePathClaims&) = delete;

  Status prepare() {
    const std::pair<sqlite3_stmt**, const char*> statements[] = {
        {&insert_,
         "INSERT INTO claims (hash, item_id) VALUES (?1, ?2) ON CONFLICT (hash) DO NOTHING"},
        {&select_, "SELECT item_id FROM claims WHERE hash = ?1"},
        {&begin_, "BEGIN"},
        {&commit_, "COMMIT"},
        {&rollback_, "ROLLBACK"},
    };
    for (const auto& [stmt, sql] : statements) {
      if (sqlite3_prepare_v2(db_, sql, -1, stmt, nullptr) != SQLITE_OK) {
        return sqlite_error(db_, "prepare");
      }
    }
    return {};
  }

  Result<std::vector<ClaimConflict>> claim(std::span<const PathClaim> claims) override {
    std::vector<ClaimConflict> conflicts;
    if (claims.empty()) return conflicts;
    std::lock_guard<std::mutex> lock(mu_);
    if (!run(begin_)) return sqlite_error(db_, "begin");
    Status status;
    for (std::size_t i = 0; i < claims.size(); ++i) {
      auto holder = claim_one(claims[i]);
      if (!holder) {
        status = holder.error();
        break;
      }
      if (*holder && **holder != claims[i].item_id) {
        conflicts.push_back(ClaimConflict{i, std::move(**holder)});
      }
    }
    // The bindings point into the caller's claims, which do not outlive this call.
    sqlite3_clear_bindings(insert_);
    if (status.is_ok() && !run(commit_)) status = sqlite_error(db_, "commit");
    if (!status.is_ok()) {
      run(rollback_);
      return status;
    }
    return conflicts;
  }

 private:
  // Steps a statement without results; true when it completed.
  bool run(sqlite3_stmt* stmt) {
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE;
  }

  // nullopt when this claim took the hash (or the same item held it already: checked by the
  // caller); otherwise the id of the item holding it.
  Result<std::optional<std::string>> claim_one(const PathClaim& claim) {
    const auto key = static_cast<sqlite3_int64>(claim.path_hash);
    sqlite3_reset(insert_);
    sqlite3_bind_int64(insert_, 1, key);
    if (pack_id(claim.item_id, packed_)) {
      sqlite3_bind_blob(insert_, 2, packed_.data(), static_cast<int>(packed_.size()),
                        SQLITE_STATIC);
    } else {
      sqlite3_bind_text(insert_, 2, claim.item_id.data(), static_cast<int>(claim.item_id.size()),
                        SQLITE_STATIC);
    }
    const int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    if (rc != SQLITE_DONE) return sqlite_error(db_, "claim");
    if (sqlite3_changes(db_) > 0) return std::optional<std::string>();
    sqlite3_bind_int64(select_, 1, key);
    std::optional<std::string> holder;
    if (sqlite3_step(select_) == SQLITE_ROW) holder = column_id(select_, 0);
    sqlite3_reset(select_);
    if (!holder) return sqlite_error(db_, "read the claim");
    return holder;
  }

  std::mutex mu_;
  sqlite3* db_;  // guarded by mu_, as is everything below
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
  PackedId packed_{};  // the bound id of insert_ during a step
};

}  // namespace

Result<PathClaimsPtr> open_sqlite_path_claims(const SqlitePathClaimsOptions& options) {
  const std::string where =
      options.path.empty() ? "a temporary database" : "'" + options.path + "'";
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Status error = sqlite_error(db, "cannot open " + where);
    sqlite3_close(db);
    return error;
  }
  // No rollback journal on disk and no fsync: the database dies with the process. The journal in
  // memory holds the pages one claim() changes, so a failed claim() still rolls back.
  std::string setup = fmt::format(
      "PRAGMA cache_size = -{};"
      "PRAGMA journal_mode = MEMORY;"
      "PRAGMA synchronous = OFF;"
      "PRAGMA locking_mode = EXCLUSIVE;",
      std::max(1, options.cache_kib));
  if (options.max_pages > 0) setup += fmt::format("PRAGMA max_page_count = {};", options.max_pages);
  setup += "CREATE TABLE claims (hash INTEGER PRIMARY KEY, item_id NOT NULL);";
  char* message = nullptr;
  if (sqlite3_exec(db, setup.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    Status error = internal_error(fmt::format("path claims: cannot initialise {}: {}", where,
                                              message != nullptr ? message : "unknown error"));
    sqlite3_free(message);
    sqlite3_close(db);
    return error;
  }
  auto claims = std::make_unique<SqlitePathClaims>(db);
  DLX_RETURN_IF_ERROR(claims->prepare());
  return PathClaimsPtr(std::move(claims));
}

}  // namespace dlexport::queue
