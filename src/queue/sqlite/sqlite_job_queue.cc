#include "queue/sqlite/sqlite_job_queue.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <unordered_map>

namespace dlexport::queue {
namespace {

// jobs.state values. A leased job whose lease has expired is still stored as kStateLeased; what
// makes it claimable is available_at (lease end) <= now, the same test as for a due pending job.
constexpr int kStatePending = 0;
constexpr int kStateLeased = 1;

// Every 2^kPruneEveryLog2 acks the done records older than done_retention are deleted.
constexpr unsigned kPruneEvery = 256;

// available_at is the one ordering column: not_before for pending jobs, lease end for leased
// ones, so "claimable" is a single indexed range scan (and the same shape for PostgreSQL).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  target       TEXT    NOT NULL,
  item_id      TEXT    NOT NULL,
  state        INTEGER NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  enqueued_at  INTEGER NOT NULL,
  available_at INTEGER NOT NULL,
  lease_owner  TEXT,
  again        INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT    NOT NULL DEFAULT '',
  UNIQUE (target, item_id)
);
CREATE INDEX jobs_available ON jobs (available_at, id);
CREATE INDEX jobs_target_available ON jobs (target, available_at, id);
CREATE TABLE dead_letters (
  id          INTEGER PRIMARY KEY,
  target      TEXT    NOT NULL,
  item_id     TEXT    NOT NULL,
  attempts    INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  failed_at   INTEGER NOT NULL,
  last_error  TEXT    NOT NULL
);
CREATE INDEX dead_letters_item ON dead_letters (target, item_id);
CREATE INDEX dead_letters_failed ON dead_letters (failed_at, id);
CREATE TABLE done (
  id          INTEGER PRIMARY KEY,
  target      TEXT    NOT NULL,
  item_id     TEXT    NOT NULL,
  attempts    INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL
);
CREATE INDEX done_finished ON done (finished_at);
CREATE TABLE cursors (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

std::int64_t to_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint from_ms(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

Status sqlite_error(sqlite3* db, std::string_view what) {
  const int code = db != nullptr ? sqlite3_errcode(db) : SQLITE_ERROR;
  // BUSY after the busy timeout means another process held the write lock for that long: a
  // retry may succeed, so it is kUnavailable rather than kInternal.
  const StatusCode status_code = (code == SQLITE_BUSY || code == SQLITE_LOCKED)
                                     ? StatusCode::kUnavailable
                                     : StatusCode::kInternal;
  return {status_code, fmt::format("job queue: {}: {}", what,
                                   db != nullptr ? sqlite3_errmsg(db) : "no database")};
}

// A cached prepared statement, reset and unbound when the guard goes out of scope.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Stmt() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Stmt& bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  std::int64_t int64(int column) { return sqlite3_column_int64(stmt_, column); }
  int int32(int column) { return sqlite3_column_int(stmt_, column); }
  std::string text(int column) {
    const auto* data = sqlite3_column_text(stmt_, column);
    if (data == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(data),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  sqlite3_stmt* stmt_;
};

Target target_from_key(const std::string& key) {
  auto parsed = Target::parse(key);
  return parsed ? *parsed : Target{"unknown", key};
}

class SqliteJobQueue final : public JobQueue {
 public:
  SqliteJobQueue(sqlite3* db, SqliteJobQueueOptions options, Clock& clock)
      : db_(db), options_(std::move(options)), clock_(clock) {}

  ~SqliteJobQueue() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  Status init() {
    std::lock_guard<std::mutex> lock(mu_);
    DLX_RETURN_IF_ERROR(exec("PRAGMA journal_mode=WAL"));
    DLX_RETURN_IF_ERROR(
        exec(options_.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
    sqlite3_busy_timeout(db_, static_cast<int>(options_.busy_timeout.count()));
    DLX_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    Status status = migrate_locked();
    return finish_locked(std::move(status));
  }

  Result<std::vector<JobId>> enqueue(const Target& target,
                                     std::span<const std::string> item_ids) override {
    std::vector<JobId> ids;
    ids.reserve(item_ids.size());
    if (item_ids.empty()) return ids;
    const std::string key = target.key();
    std::lock_guard<std::mutex> lock(mu_);
    DLX_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    const std::int64_t now = to_ms(clock_.now());
    Status status;
    for (const std::string& item_id : item_ids) {
      // Pending: nothing changes. Leased: mark it to run again after the current attempt.
      Stmt stmt = prepare(
          "INSERT INTO jobs (target, item_id, state, attempts, enqueued_at, available_at) "
          "VALUES (?1, ?2, 0, 0, ?3, ?3) ON CONFLICT (target, item_id) DO UPDATE SET "
          "again = CASE WHEN state = 1 THEN 1 ELSE again END RETURNING id");
      stmt.bind(1, key).bind(2, item_id).bind(3, now);
      if (stmt.step() != SQLITE_ROW) {
        status = sqlite_error(db_, "enqueue");
        break;
      }
      ids.push_back(stmt.int64(0));
    }
    DLX_RETURN_IF_ERROR(finish_locked(std::move(status)));
    return ids;
  }

  Result<Batch> claim(std::string_view worker_id, int max_batch,
                      std::chrono::milliseconds lease) override {
    Batch batch;
    if (max_batch <= 0) return batch;
    std::lock_guard<std::mutex> lock(mu_);
    // A claim that only finds exhausted expired leases dead-letters them and looks again.
    for (int round = 0; round < 8 && batch.empty(); ++round) {
      DLX_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
      bool dead_lettered = false;
      Status status = claim_locked(worker_id, max_batch, lease, batch, dead_lettered);
      DLX_RETURN_IF_ERROR(finish_locked(std::move(status)));
      if (!dead_lettered) break;
    }
    return batch;
  }

  Result<int> ack(std::string_view worker_id, std::span<const JobId> ids) override {
    if (ids.empty()) return 0;
    std::lock_guard<std::mutex> lock(mu_);
    DLX_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    const std::int64_t now = to_ms(clock_.now());
    int held = 0;
    Status status;
    for (JobId id : ids) {
      Result<bool> acked = ack_one_locked(worker_id, id, now);
      if (!acked) {
        status = acked.status();
        break;
      }
      if (*acked) ++held;
    }
    acks_since_prune_ += static_cast<unsigned>(held);
    if (status.is_ok() && acks_since_prune_ >= kPruneEvery) {
      acks_since_prune_ = 0;
      Stmt prune = prepare("DELETE FROM done WHERE finished_at < ?1");
      prune.bind(1, now - options_.done_retention.count());
      if (prune.step() != SQLITE_DONE) status = sqlite_error(db_, "prune done");
    }
    DLX_RETURN_IF_ERROR(finish_locked(std::move(status)));
    return held;
  }

  Result<JobState> fail(std::string_view worker_id, JobId id, const Status& error,
                        std::optional<TimePoint> retry_at) override {
    std::lock_guard<std::mutex> lock(mu_);
    DLX_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    const std::int64_t now = to_ms(clock_.now());
    Result<JobState> outcome = fail_locked(worker_id, id, error.to_string(), retry_at, now);
    DLX_RETURN_IF_ERROR(finish_locked(outcome.status()));
    return outcome;
  }

  Result<int> release(std::string_view worker_id, std::span<const JobId> ids) override {
    return update_held(worker_id, ids,
                       "UPDATE jobs SET state = 0, attempts = MAX(attempts - 1, 0), "
                       "available_at = ?3, lease_owner = NULL, again = 0 "
                       "WHERE id = ?1 AND state = 1 AND lease_owner = ?2",
                       to_ms(clock_.now()));
  }

  Result<int> extend_lease(std::string_view worker_id, std::span<const JobId> ids,
                           std::chrono::milliseconds lease) override {
    return update_held(worker_id, ids,
                       "UPDATE jobs SET available_at = ?3 "
                       "WHERE id = ?1 AND state = 1 AND lease_owner = ?2",
                       to_ms(clock_.now()) + lease.count());
  }

  Result<std::vector<DeadLetter>> dead_letters(int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt stmt = prepare(
        "SELECT id, target, item_id, attempts, enqueued_at, failed_at, last_error "
        "FROM dead_letters ORDER BY failed_at, id LIMIT ?1");
    stmt.bind(1, static_cast<std::int64_t>(std::max(limit, 0)));
    std::vector<DeadLetter> out;
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
      out.push_back(DeadLetter{stmt.int64(0), target_from_key(stmt.text(1)), stmt.text(2),
                               stmt.int32(3), from_ms(stmt.int64(4)), from_ms(stmt.int64(5)),
                               stmt.text(6)});
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_, "list dead letters");
    return out;
  }

  Result<std::vector<JobId>> redrive(std::span<const JobId> ids) override {
    std::lock_guard<std::mutex> lock(mu_);
    DLX_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    std::vector<JobId> redriven;
    Status status = redrive_locked(ids, redriven);
    DLX_RETURN_IF_ERROR(finish_locked(std::move(status)));
    return redriven;
  }

  Result<std::vector<JobId>> redrive_all() override {
    std::lock_guard<std::mutex> lock(mu_);
    DLX_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    std::vector<JobId> all;
    Status status;
    {
      Stmt stmt = prepare("SELECT id FROM dead_letters ORDER BY failed_at, id");
      int rc;
      while ((rc = stmt.step()) == SQLITE_ROW) all.push_back(stmt.int64(0));
      if (rc != SQLITE_DONE) status = sqlite_error(db_, "list dead letters");
    }
    std::vector<JobId> redriven;
    if (status.is_ok()) status = redrive_locked(all, redriven);
    DLX_RETURN_IF_ERROR(finish_locked(std::move(status)));
    return redriven;
  }

  Result<QueueStats> stats() override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::int64_t now = to_ms(clock_.now());
    QueueStats stats;
    std::int64_t oldest = now;
    {
      // A leased job whose lease expired is claimable: it counts as pending.
      Stmt stmt = prepare(
          "SELECT target, (state = 1 AND available_at > ?1) AS live, COUNT(*), "
          "MIN(enqueued_at) FROM jobs GROUP BY target, live");
      stmt.bind(1, now);
      int rc;
      while ((rc = stmt.step()) == SQLITE_ROW) {
        TargetStats& per = stats.per_target[stmt.text(0)];
        const std::int64_t count = stmt.int64(2);
        if (stmt.int32(1) != 0) {
          per.in_flight += count;
          stats.in_flight += count;
        } else {
          per.pending += count;
          stats.pending += count;
        }
        oldest = std::min(oldest, stmt.int64(3));
      }
      if (rc != SQLITE_DONE) return sqlite_error(db_, "stats");
    }
    {
      Stmt stmt = prepare("SELECT target, COUNT(*) FROM dead_letters GROUP BY target");
      int rc;
      while ((rc = stmt.step()) == SQLITE_ROW) {
        const std::int64_t count = stmt.int64(1);
        stats.per_target[stmt.text(0)].dead += count;
        stats.dead += count;
      }
      if (rc != SQLITE_DONE) return sqlite_error(db_, "stats");
    }
    {
      Stmt stmt = prepare("SELECT COUNT(*) FROM done");
      if (stmt.step() != SQLITE_ROW) return sqlite_error(db_, "stats");
      stats.done = stmt.int64(0);
    }
    stats.oldest_age = std::chrono::milliseconds(std::max<std::int64_t>(now - oldest, 0));
    return stats;
  }

  Result<JobStatus> job_status(JobId id) override {
    std::lock_guard<std::mutex> lock(mu_);
    {
      Stmt stmt = prepare(
          "SELECT target, item_id, state, attempts, last_error, enqueued_at FROM jobs "
          "WHERE id = ?1");
      stmt.bind(1, id);
      const int rc = stmt.step();
      if (rc == SQLITE_ROW) {
        return JobStatus{id,
                         stmt.int32(2) == kStateLeased ? JobState::kInFlight : JobState::kPending,
                         target_from_key(stmt.text(0)),
                         stmt.text(1),
                         stmt.int32(3),
                         stmt.text(4),
                         from_ms(stmt.int64(5)),
                         std::nullopt};
      }
      if (rc != SQLITE_DONE) return sqlite_error(db_, "job status");
    }
    {
      Stmt stmt = prepare(
          "SELECT target, item_id, attempts, last_error, enqueued_at, failed_at FROM dead_letters "
          "WHERE id = ?1");
      stmt.bind(1, id);
      const int rc = stmt.step();
      if (rc == SQLITE_ROW) {
        return JobStatus{id,
                         JobState::kDead,
                         target_from_key(stmt.text(0)),
                         stmt.text(1),
                         stmt.int32(2),
                         stmt.text(3),
                         from_ms(stmt.int64(4)),
                         from_ms(stmt.int64(5))};
      }
      if (rc != SQLITE_DONE) return sqlite_error(db_, "job status");
    }
    {
      Stmt stmt = prepare(
          "SELECT target, item_id, attempts, enqueued_at, finished_at FROM done WHERE id = ?1");
      stmt.bind(1, id);
      const int rc = stmt.step();
      if (rc == SQLITE_ROW) {
        return JobStatus{
            id, JobState::kDone,        target_from_key(stmt.text(0)), stmt.text(1), stmt.int32(2),
            "", from_ms(stmt.int64(3)), from_ms(stmt.int64(4))};
      }
      if (rc != SQLITE_DONE) return sqlite_error(db_, "job status");
    }
    return not_found(
        fmt::format("job {} not found (unknown, or done longer than the retention)", id));
  }

  Result<std::optional<std::string>> get_cursor(const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt stmt = prepare("SELECT value FROM cursors WHERE name = ?1");
    stmt.bind(1, name);
    const int rc = stmt.step();
    if (rc == SQLITE_ROW) return std::optional<std::string>(stmt.text(0));
    if (rc != SQLITE_DONE) return sqlite_error(db_, "get cursor");
    return std::optional<std::string>();
  }

  Status set_cursor(const std::string& name, const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt stmt = prepare(
        "INSERT INTO cursors (name, value) VALUES (?1, ?2) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    stmt.bind(1, name).bind(2, value);
    if (stmt.step() != SQLITE_DONE) return sqlite_error(db_, "set cursor");
    return {};
  }

 private:
  Status exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      Status status = sqlite_error(db_, sql);
      sqlite3_free(message);
      return status;
    }
    return {};
  }

  // Commits when `status` is ok, else rolls back; returns the first error.
  Status finish_locked(Status status) {
    if (status.is_ok()) {
      Status commit = exec("COMMIT");
      if (commit.is_ok()) return commit;
      status = std::move(commit);
    }
    if (sqlite3_get_autocommit(db_) == 0) exec("ROLLBACK");
    return status;
  }

  // Statements are prepared once per connection and kept (SQLITE_PREPARE_PERSISTENT). A prepare
  // failure is a bug in a literal above: abort rather than limp on.
  Stmt prepare(const char* sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
          SQLITE_OK) {
        fmt::print(stderr, "job queue: cannot prepare {}: {}\n", sql, sqlite3_errmsg(db_));
        std::abort();
      }
      it = statements_.emplace(sql, stmt).first;
    }
    return Stmt(it->second);
  }

  Status migrate_locked() {
    DLX_RETURN_IF_ERROR(exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)"));
    int version = 0;
    {
      sqlite3_stmt* raw = nullptr;
      if (sqlite3_prepare_v2(db_, "SELECT MAX(version) FROM schema_version", -1, &raw, nullptr) !=
          SQLITE_OK) {
        return sqlite_error(db_, "read schema version");
      }
      if (sqlite3_step(raw) == SQLITE_ROW) version = sqlite3_column_int(raw, 0);
      sqlite3_finalize(raw);
    }
    if (version > kQueueSchemaVersion) {
      return failed_precondition(
          fmt::format("queue database {} has schema version {}, newer than this dlexport "
                      "understands ({}); upgrade dlexport or use another state_dir",
                      options_.path, version, kQueueSchemaVersion));
    }
    if (version < 1) {
      DLX_RETURN_IF_ERROR(exec(kSchemaV1));
      DLX_RETURN_IF_ERROR(exec("INSERT INTO schema_version (version) VALUES (1)"));
    }
    return {};
  }

  Status claim_locked(std::string_view worker_id, int max_batch, std::chrono::milliseconds lease,
                      Batch& batch, bool& dead_lettered) {
    const std::int64_t now = to_ms(clock_.now());
    std::string target;
    {
      Stmt stmt = prepare(
          "SELECT target FROM jobs WHERE available_at <= ?1 ORDER BY available_at, id LIMIT 1");
      stmt.bind(1, now);
      const int rc = stmt.step();
      if (rc == SQLITE_DONE) return {};
      if (rc != SQLITE_ROW) return sqlite_error(db_, "claim");
      target = stmt.text(0);
    }
    struct Row {
      JobId id;
      std::string item_id;
      int state, attempts;
      std::int64_t enqueued_at, available_at;
      std::string last_error;
      bool again;
    };
    std::vector<Row> rows;
    {
      Stmt stmt = prepare(
          "SELECT id, item_id, state, attempts, enqueued_at, available_at, last_error, again "
          "FROM jobs WHERE target = ?1 AND available_at <= ?2 ORDER BY available_at, id "
          "LIMIT ?3");
      stmt.bind(1, target).bind(2, now).bind(3, static_cast<std::int64_t>(max_batch));
      int rc;
      while ((rc = stmt.step()) == SQLITE_ROW) {
        rows.push_back(Row{stmt.int64(0), stmt.text(1), stmt.int32(2), stmt.int32(3), stmt.int64(4),
                           stmt.int64(5), stmt.text(6), stmt.int32(7) != 0});
      }
      if (rc != SQLITE_DONE) return sqlite_error(db_, "claim");
    }
    batch.target = target_from_key(target);
    const std::int64_t lease_until = now + lease.count();
    for (Row& row : rows) {
      if (row.state == kStateLeased && row.attempts >= options_.max_attempts) {
        // Its worker died (or hung) on every one of max_attempts attempts: a poison job.
        std::string error =
            fmt::format("lease expired on attempt {} (worker crashed or hung)", row.attempts);
        if (!row.last_error.empty()) error += "; earlier error: " + row.last_error;
        DLX_RETURN_IF_ERROR(dead_letter_locked(row.id, target, row.item_id, row.attempts,
                                               row.enqueued_at, now, error));
        dead_lettered = true;
        continue;
      }
      Stmt stmt = prepare(
          "UPDATE jobs SET state = 1, attempts = attempts + 1, available_at = ?2, "
          "lease_owner = ?3 WHERE id = ?1");
      stmt.bind(1, row.id).bind(2, lease_until).bind(3, worker_id);
      if (stmt.step() != SQLITE_DONE) return sqlite_error(db_, "claim");
      Job job;
      job.id = row.id;
      job.target = batch.target;
      job.item_id = std::move(row.item_id);
      job.attempts = row.attempts + 1;
      job.enqueued_at = from_ms(row.enqueued_at);
      job.not_before = from_ms(row.available_at);
      job.lease_until = from_ms(lease_until);
      job.lease_owner = std::string(worker_id);
      job.last_error = std::move(row.last_error);
      job.again = row.again;
      batch.jobs.push_back(std::move(job));
    }
    return {};
  }

  Result<bool> ack_one_locked(std::string_view worker_id, JobId id, std::int64_t now) {
    {
      // Re-enqueued while in flight: export the newer state too.
      Stmt stmt = prepare(
          "UPDATE jobs SET state = 0, attempts = 0, again = 0, available_at = ?3, "
          "enqueued_at = ?3, lease_owner = NULL, last_error = '' "
          "WHERE id = ?1 AND state = 1 AND lease_owner = ?2 AND again = 1");
      stmt.bind(1, id).bind(2, worker_id).bind(3, now);
      if (stmt.step() != SQLITE_DONE) return sqlite_error(db_, "ack");
      if (sqlite3_changes(db_) > 0) return true;
    }
    std::string target, item_id;
    int attempts = 0;
    std::int64_t enqueued_at = 0;
    {
      Stmt stmt = prepare(
          "DELETE FROM jobs WHERE id = ?1 AND state = 1 AND lease_owner = ?2 "
          "RETURNING target, item_id, attempts, enqueued_at");
      stmt.bind(1, id).bind(2, worker_id);
      const int rc = stmt.step();
      if (rc == SQLITE_DONE) return false;
      if (rc != SQLITE_ROW) return sqlite_error(db_, "ack");
      target = stmt.text(0);
      item_id = stmt.text(1);
      attempts = stmt.int32(2);
      enqueued_at = stmt.int64(3);
      if (stmt.step() != SQLITE_DONE) return sqlite_error(db_, "ack");
    }
    {
      Stmt stmt = prepare(
          "INSERT OR REPLACE INTO done (id, target, item_id, attempts, enqueued_at, finished_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      stmt.bind(1, id).bind(2, target).bind(3, item_id).bind(4, attempts).bind(5, enqueued_at);
      stmt.bind(6, now);
      if (stmt.step() != SQLITE_DONE) return sqlite_error(db_, "ack");
    }
    {
      // The item's object is now written: an older dead letter for it is stale.
      Stmt stmt = prepare("DELETE FROM dead_letters WHERE target = ?1 AND item_id = ?2");
      stmt.bind(1, target).bind(2, item_id);
      if (stmt.step() != SQLITE_DONE) return sqlite_error(db_, "ack");
    }
    return true;
  }

  Result<JobState> fail_locked(std::string_view worker_id, JobId id, const std::string& error,
                               std::optional<TimePoint> retry_at, std::int64_t now) {
    std::string target, item_id;
    int attempts = 0;
    std::int64_t enqueued_at = 0;
    {
      Stmt stmt = prepare(
          "SELECT target, item_id, attempts, enqueued_at FROM jobs "
          "WHERE id = ?1 AND state = 1 AND lease_owner = ?2");
      stmt.bind(1, id).bind(2, worker_id);
      const int rc = stmt.step();
      if (rc == SQLITE_DONE) {
        return not_found(fmt::format("job {} is not held by this worker", id));
      }
      if (rc != SQLITE_ROW) return sqlite_error(db_, "fail");
      target = stmt.text(0);
      item_id = stmt.text(1);
      attempts = stmt.int32(2);
      enqueued_at = stmt.int64(3);
    }
    if (retry_at.has_value() && attempts < options_.max_attempts) {
      // The retry exports the latest state anyway, so a pending "again" mark is satisfied by it.
      Stmt stmt = prepare(
          "UPDATE jobs SET state = 0, available_at = ?2, lease_owner = NULL, again = 0, "
          "last_error = ?3 WHERE id = ?1");
      stmt.bind(1, id).bind(2, std::max(to_ms(*retry_at), now)).bind(3, error);
      if (stmt.step() != SQLITE_DONE) return sqlite_error(db_, "fail");
      return JobState::kPending;
    }
    DLX_RETURN_IF_ERROR(dead_letter_locked(id, target, item_id, attempts, enqueued_at, now, error));
    return JobState::kDead;
  }

  Status dead_letter_locked(JobId id, const std::string& target, const std::string& item_id,
                            int attempts, std::int64_t enqueued_at, std::int64_t now,
                            const std::string& error) {
    {
      Stmt stmt = prepare("DELETE FROM jobs WHERE id = ?1");
      stmt.bind(1, id);
      if (stmt.step() != SQLITE_DONE) return sqlite_error(db_, "dead-letter");
    }
    Stmt stmt = prepare(
        "INSERT OR REPLACE INTO dead_letters "
        "(id, target, item_id, attempts, enqueued_at, failed_at, last_error) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    stmt.bind(1, id).bind(2, target).bind(3, item_id).bind(4, attempts).bind(5, enqueued_at);
    stmt.bind(6, now).bind(7, error);
    if (stmt.step() != SQLITE_DONE) return sqlite_error(db_, "dead-letter");
    return {};
  }

  Status redrive_locked(std::span<const JobId> ids, std::vector<JobId>& redriven) {
    const std::int64_t now = to_ms(clock_.now());
    for (JobId id : ids) {
      std::string target, item_id, last_error;
      {
        Stmt stmt =
            prepare("DELETE FROM dead_letters WHERE id = ?1 RETURNING target, item_id, last_error");
        stmt.bind(1, id);
        const int rc = stmt.step();
        if (rc == SQLITE_DONE) continue;
        if (rc != SQLITE_ROW) return sqlite_error(db_, "redrive");
        target = stmt.text(0);
        item_id = stmt.text(1);
        last_error = stmt.text(2);
        if (stmt.step() != SQLITE_DONE) return sqlite_error(db_, "redrive");
      }
      // A live job for the item already exports its latest state: the dead letter folds into it.
      Stmt stmt = prepare(
          "INSERT INTO jobs (id, target, item_id, state, attempts, enqueued_at, available_at, "
          "last_error) VALUES (?1, ?2, ?3, 0, 0, ?4, ?4, ?5) "
          "ON CONFLICT (target, item_id) DO NOTHING");
      stmt.bind(1, id).bind(2, target).bind(3, item_id).bind(4, now).bind(5, last_error);
      if (stmt.step() != SQLITE_DONE) return sqlite_error(db_, "redrive");
      redriven.push_back(id);
    }
    return {};
  }

  Result<int> update_held(std::string_view worker_id, std::span<const JobId> ids, const char* sql,
                          std::int64_t time) {
    if (ids.empty()) return 0;
    std::lock_guard<std::mutex> lock(mu_);
    DLX_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
    int held = 0;
    Status status;
    for (JobId id : ids) {
      Stmt stmt = prepare(sql);
      stmt.bind(1, id).bind(2, worker_id).bind(3, time);
      if (stmt.step() != SQLITE_DONE) {
        status = sqlite_error(db_, "update lease");
        break;
      }
      held += sqlite3_changes(db_);
    }
    DLX_RETURN_IF_ERROR(finish_locked(std::move(status)));
    return held;
  }

  std::mutex mu_;
  sqlite3* db_;  // guarded by mu_
  const SqliteJobQueueOptions options_;
  Clock& clock_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;  // guarded by mu_
  unsigned acks_since_prune_ = 0;                              // guarded by mu_
};

}  // namespace

Result<JobQueuePtr> open_sqlite_job_queue(const SqliteJobQueueOptions& options, Clock& clock) {
  if (options.max_attempts < 1) {
    return invalid_argument("queue.max_attempts must be at least 1");
  }
  if (options.path.empty()) return invalid_argument("job queue: empty database path");
  if (options.path != ":memory:") {
    std::error_code ec;
    const auto parent = std::filesystem::path(options.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Status(StatusCode::kFailedPrecondition,
                    fmt::format("job queue: cannot create {}: {}", parent.string(), ec.message()));
    }
  }
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(options.path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status(StatusCode::kFailedPrecondition,
                  fmt::format("job queue: cannot open {}: {}", options.path,
                              db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return status;
  }
  auto queue = std::make_unique<SqliteJobQueue>(db, options, clock);
  DLX_RETURN_IF_ERROR(queue->init());
  return JobQueuePtr(std::move(queue));
}

}  // namespace dlexport::queue
