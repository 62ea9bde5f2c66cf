#include "queue/path_claims.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "queue/sqlite/sqlite_path_claims.h"
#include "tests/support/paths.h"

namespace dlexport::queue {
namespace {

constexpr const char* kA = "6600000000000000000000a1";
constexpr const char* kB = "6600000000000000000000b2";
constexpr const char* kC = "6600000000000000000000c3";

PathClaimsPtr open_claims(SqlitePathClaimsOptions options = {}) {
  auto claims = open_sqlite_path_claims(options);
  EXPECT_TRUE(claims) << claims.error().to_string();
  return claims ? std::move(*claims) : nullptr;
}

std::vector<ClaimConflict> claim(PathClaims& claims, std::vector<PathClaim> batch) {
  auto conflicts = claims.claim(batch);
  EXPECT_TRUE(conflicts) << conflicts.error().to_string();
  return conflicts ? std::move(*conflicts) : std::vector<ClaimConflict>{};
}

// Distinct, well spread 64-bit keys.
std::uint64_t key(std::uint64_t i) {
  std::uint64_t z = i + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A platform-shaped id (24 lowercase hex digits).
std::string fmt_id(std::uint64_t i) { return fmt::format("66{:022x}", i); }

TEST(PathClaimsTest, TheFirstItemKeepsThePathAndALaterOneIsTold) {
  auto claims = open_claims();
  ASSERT_TRUE(claims);
  EXPECT_TRUE(claim(*claims, {{1, kA}, {2, kB}}).empty());
  auto conflicts = claim(*claims, {{3, kC}, {1, kB}});
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].index, 1u);
  EXPECT_EQ(conflicts[0].first_item_id, kA);
  // The refused claim took nothing: the path is still A's.
  conflicts = claim(*claims, {{1, kC}});
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].first_item_id, kA);
}

TEST(PathClaimsTest, AnItemReclaimingItsOwnPathIsNoConflict) {
  auto claims = open_claims();
  ASSERT_TRUE(claims);
  EXPECT_TRUE(claim(*claims, {{7, kA}}).empty());
  EXPECT_TRUE(claim(*claims, {{7, kA}}).empty());
  EXPECT_TRUE(claim(*claims, {{8, kB}, {8, kB}}).empty()) << "twice in one batch";
}

TEST(PathClaimsTest, WithinOneBatchTheEarlierClaimWins) {
  auto claims = open_claims();
  ASSERT_TRUE(claims);
  auto conflicts = claim(*claims, {{5, kA}, {6, kB}, {5, kC}, {6, kB}, {5, kB}});
  ASSERT_EQ(conflicts.size(), 2u);
  EXPECT_EQ(conflicts[0].index, 2u);
  EXPECT_EQ(conflicts[0].first_item_id, kA);
  EXPECT_EQ(conflicts[1].index, 4u);
  EXPECT_EQ(conflicts[1].first_item_id, kA);
}

TEST(PathClaimsTest, EveryIdRoundTripsExactly) {
  auto claims = open_claims();
  ASSERT_TRUE(claims);
  // Packed (24 lowercase hex digits) and stored-as-text ids side by side: the upper-case twin of
  // a platform id is another item.
  const std::vector<std::string> ids = {
      "6600000000000000000000ab",  "6600000000000000000000AB", "short",
      "not-hex-but-24-chars-long", std::string(200, 'f'),      "0123456789abcdef01234567"};
  std::vector<PathClaim> firsts, seconds;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    firsts.push_back({key(i), ids[i]});
    seconds.push_back({key(i), "other"});
  }
  EXPECT_TRUE(claim(*claims, firsts).empty());
  EXPECT_TRUE(claim(*claims, firsts).empty()) << "each item re-claims its own path";
  auto conflicts = claim(*claims, seconds);
  ASSERT_EQ(conflicts.size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(conflicts[i].first_item_id, ids[i]);
}

TEST(PathClaimsTest, KeysUseAllSixtyFourBits) {
  auto claims = open_claims();
  ASSERT_TRUE(claims);
  const std::uint64_t high = std::uint64_t{1} << 63;
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_TRUE(claim(*claims, {{0, kA}, {high, kB}, {max, kC}, {high - 1, kA}}).empty());
  auto conflicts = claim(*claims, {{max, "x"}, {high, "x"}, {0, "x"}});
  ASSERT_EQ(conflicts.size(), 3u);
  EXPECT_EQ(conflicts[0].first_item_id, kC);
  EXPECT_EQ(conflicts[1].first_item_id, kB);
  EXPECT_EQ(conflicts[2].first_item_id, kA);
}

TEST(PathClaimsTest, PathHashSeparatesPathsAndIsStable) {
  EXPECT_EQ(path_hash("/dir/a.json"), path_hash(std::string("/dir/") + "a.json"));
  EXPECT_NE(path_hash("/dir/a.json"), path_hash("/dir/b.json"));
}

// What the component is for: a run of any length keeps its claims out of the process's memory.
TEST(PathClaimsTest, ManyClaimsKeepMemoryFlat) {
  constexpr int kCacheKib = 256;
  constexpr std::uint64_t kClaims = 200'000;
  constexpr std::uint64_t kBatch = 100;
  SqlitePathClaimsOptions options;
  options.cache_kib = kCacheKib;
  auto claims = open_claims(options);
  ASSERT_TRUE(claims);
  const std::int64_t before = sqlite3_memory_used();
  std::vector<std::string> ids;
  for (std::uint64_t i = 0; i < kBatch; ++i) ids.push_back(fmt_id(i));
  std::vector<PathClaim> batch(kBatch);
  for (std::uint64_t start = 0; start < kClaims; start += kBatch) {
    for (std::uint64_t i = 0; i < kBatch; ++i) batch[i] = {key(start + i), ids[i]};
    auto conflicts = claims->claim(batch);
    ASSERT_TRUE(conflicts) << conflicts.error().to_string();
    ASSERT_TRUE(conflicts->empty()) << "at " << start;
  }
  const std::int64_t grown = sqlite3_memory_used() - before;
  // The rows alone are ~40 bytes each (8 MB here); SQLite may hold its capped cache plus the
  // in-memory journal of one batch and its own bookkeeping.
  EXPECT_LT(grown, 2 * 1024 * 1024) << "bytes held by SQLite after " << kClaims << " claims";
  // The claims that left the cache are still there, with their items.
  std::vector<PathClaim> again;
  for (std::uint64_t i = 0; i < kClaims; i += 9973) again.push_back({key(i), "later"});
  auto conflicts = claim(*claims, again);
  ASSERT_EQ(conflicts.size(), again.size());
  for (std::size_t j = 0; j < conflicts.size(); ++j) {
    EXPECT_EQ(conflicts[j].first_item_id, ids[(j * 9973) % kBatch]);
  }
}

TEST(PathClaimsTest, ConcurrentClaimsOfOnePathHaveOneWinner) {
  auto claims = open_claims();
  ASSERT_TRUE(claims);
  constexpr std::size_t kThreads = 4;
  constexpr std::uint64_t kShared = 42;
  std::vector<std::string> ids;
  for (std::size_t t = 0; t < kThreads; ++t) ids.push_back("item-" + std::to_string(t));
  std::vector<std::set<std::string>> told(kThreads);
  std::vector<int> refused(kThreads, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t round = 0; round < 50; ++round) {
        const std::uint64_t own = key(1000 * (t + 1) + round);
        const std::vector<PathClaim> batch = {{own, ids[t]}, {kShared, ids[t]}};
        auto conflicts = claims->claim(batch);
        if (!conflicts) continue;  // counted below as a missing answer
        for (const auto& c : *conflicts) {
          told[t].insert(c.first_item_id);
          if (c.index == 1) ++refused[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  int winners = 0;
  std::set<std::string> holders;
  for (std::size_t t = 0; t < kThreads; ++t) {
    if (refused[t] == 0)
      ++winners;
    else
      EXPECT_EQ(refused[t], 50) << "a thread that lost once loses every time";
    holders.insert(told[t].begin(), told[t].end());
  }
  EXPECT_EQ(winners, 1);
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(refused[std::stoul(holders.begin()->substr(5))], 0) << "the holder is the winner";
}

TEST(PathClaimsTest, OpenReportsAnUnusablePath) {
  const auto dir = testing::make_temp_dir("dlx-claims");
  SqlitePathClaimsOptions options;
  options.path = (dir / "missing" / "claims.db").string();
  auto claims = open_sqlite_path_claims(options);
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(claims);
  EXPECT_EQ(claims.error().code(), StatusCode::kInternal);
  EXPECT_NE(claims.error().message().find("path claims: cannot open"), std::string::npos)
      << claims.error().message();
}

TEST(PathClaimsTest, AFailedClaimHoldsNothingOfItsBatch) {
  // Two pages: the schema and the table's root, which holds ~150 claims; a batch that needs a
  // third page fails with "database or disk is full".
  SqlitePathClaimsOptions options;
  options.max_pages = 2;
  auto claims = open_claims(options);
  ASSERT_TRUE(claims);
  EXPECT_TRUE(claim(*claims, {{key(0), kA}}).empty());
  std::vector<PathClaim> big;
  for (std::uint64_t i = 1; i <= 1000; ++i) big.push_back({key(i), kB});
  auto failed = claims->claim(big);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), StatusCode::kInternal);
  EXPECT_NE(failed.error().message().find("path claims"), std::string::npos);
  EXPECT_NE(failed.error().message().find("full"), std::string::npos) << failed.error().message();
  // Rolled back: the batch's first path is free, the earlier claim is kept, and the connection
  // still works.
  EXPECT_TRUE(claim(*claims, {{key(1), kC}}).empty());
  auto conflicts = claim(*claims, {{key(0), kB}, {key(1), kA}});
  ASSERT_EQ(conflicts.size(), 2u);
  EXPECT_EQ(conflicts[0].first_item_id, kA);
  EXPECT_EQ(conflicts[1].first_item_id, kC);
}

}  // namespace
}  // namespace dlexport::queue
