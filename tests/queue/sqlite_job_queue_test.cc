// What only the SQLite JobQueue promises: its file, its schema version, its journal mode.

#include "queue/sqlite/sqlite_job_queue.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "tests/support/paths.h"

namespace dlexport::queue {
namespace {

class SqliteJobQueueTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = dlexport::testing::make_temp_dir("dlx-sqlite-queue"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs one statement on the file directly and returns the first column of the first row.
  std::string query(const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out;
    if (sqlite3_open(path().c_str(), &db) == SQLITE_OK) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
          sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
        out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      }
      sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return out;
  }
  std::string path() const { return (dir_ / "state" / kQueueFileName).string(); }

  FakeClock clock_;
  std::filesystem::path dir_;
};

TEST_F(SqliteJobQueueTest, CreatesTheDirectoryAndAVersionedWalDatabase) {
  auto queue = open_sqlite_job_queue({.path = path()}, clock_);
  ASSERT_TRUE(queue.has_value()) << queue.status().to_string();
  EXPECT_TRUE(std::filesystem::exists(path()));
  EXPECT_EQ(query("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query("SELECT MAX(version) FROM schema_version"), std::to_string(kQueueSchemaVersion));
  queue->reset();
  // Reopening does not migrate twice.
  auto again = open_sqlite_job_queue({.path = path()}, clock_);
  ASSERT_TRUE(again.has_value()) << again.status().to_string();
  EXPECT_EQ(query("SELECT COUNT(*) FROM schema_version"), "1");
}

TEST_F(SqliteJobQueueTest, RefusesADatabaseFromANewerVersion) {
  ASSERT_TRUE(open_sqlite_job_queue({.path = path()}, clock_).has_value());
  query("INSERT INTO schema_version (version) VALUES (99)");
  auto queue = open_sqlite_job_queue({.path = path()}, clock_);
  ASSERT_FALSE(queue.has_value());
  EXPECT_EQ(queue.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(queue.status().message().find("schema version 99"), std::string::npos);
}

TEST_F(SqliteJobQueueTest, RejectsBadOptions) {
  EXPECT_EQ(open_sqlite_job_queue({.path = ""}, clock_).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(open_sqlite_job_queue({.path = path(), .max_attempts = 0}, clock_).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SqliteJobQueueTest, DoneRecordsArePrunedAfterTheRetention) {
  auto queue = open_sqlite_job_queue(
      {.path = path(), .done_retention = std::chrono::milliseconds(1000)}, clock_);
  ASSERT_TRUE(queue.has_value());
  const Target target = Target::driver("6600000000000000000000d1");
  std::vector<std::string> items;
  for (int i = 0; i < 300; ++i) items.push_back(fmt::format("{:024x}", i));
  auto ids = (*queue)->enqueue(target, items);
  ASSERT_TRUE(ids.has_value());
  auto first = (*queue)->claim("w", 1, std::chrono::seconds(30));
  ASSERT_EQ((*queue)->ack("w", std::vector<JobId>{first->jobs[0].id}).value_or(0), 1);
  clock_.advance(std::chrono::milliseconds(1001));
  for (auto batch = (*queue)->claim("w", 50, std::chrono::seconds(30)); !batch->empty();
       batch = (*queue)->claim("w", 50, std::chrono::seconds(30))) {
    std::vector<JobId> batch_ids;
    for (const Job& job : batch->jobs) batch_ids.push_back(job.id);
    ASSERT_TRUE((*queue)->ack("w", batch_ids).has_value());
  }
  EXPECT_EQ((*queue)->job_status(first->jobs[0].id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*queue)->job_status(ids->back())->state, JobState::kDone);
}

TEST(TargetTest, KeyRoundTrips) {
  const Target t = Target::driver("6600000000000000000000d1");
  EXPECT_EQ(t.key(), "driver:6600000000000000000000d1");
  auto parsed = Target::parse(t.key());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, t);
  EXPECT_FALSE(Target::parse("nocolon").has_value());
  EXPECT_FALSE(Target::parse(":x").has_value());
  EXPECT_FALSE(Target::parse("driver:").has_value());
}

}  // namespace
}  // namespace dlexport::queue
