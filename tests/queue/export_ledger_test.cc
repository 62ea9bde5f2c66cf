#include "queue/export_ledger.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "queue/sqlite/sqlite_export_ledger.h"
#include "tests/support/paths.h"

namespace dlexport::queue {
namespace {

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(LedgerTest, RecordsLooksUpAndReplaces) {
  auto ledger = open_sqlite_export_ledger(":memory:");
  ASSERT_TRUE(ledger) << ledger.error().to_string();
  auto missing = (*ledger)->lookup("driver:d1", "i1");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(
      (*ledger)
          ->record({{"driver:d1", "i1", "/a.json", "aa"}, {"driver:d2", "i1", "/b.json", "bb"}})
          .is_ok());
  auto found = (*ledger)->lookup("driver:d1", "i1");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->path, "/a.json");
  EXPECT_TRUE(ledger_unchanged(*found, "/a.json", "aa"));
  EXPECT_FALSE(ledger_unchanged(*found, "/a.json", "ab"));
  EXPECT_FALSE(ledger_unchanged(*found, "/c.json", "aa"));
  ASSERT_TRUE((*ledger)->record({{"driver:d1", "i1", "/a.json", "cc"}}).is_ok());
  EXPECT_EQ((*ledger)->lookup("driver:d1", "i1").value()->sha256, "cc");
  EXPECT_EQ((*ledger)->lookup("driver:d2", "i1").value()->sha256, "bb");
  ASSERT_TRUE((*ledger)->forget_target("driver:d1").is_ok());
  EXPECT_FALSE((*ledger)->lookup("driver:d1", "i1")->has_value());
  EXPECT_TRUE((*ledger)->lookup("driver:d2", "i1")->has_value());
}

TEST(LedgerTest, LookupManyReturnsOnlyKnownIdsOfTheTarget) {
  auto ledger = open_sqlite_export_ledger(":memory:");
  ASSERT_TRUE(ledger) << ledger.error().to_string();
  auto none = (*ledger)->lookup_many("driver:d1", {});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  std::vector<LedgerEntry> entries;
  std::vector<std::string> ids;
  // More ids than one query takes, so the chunking is exercised.
  for (int i = 0; i < 1200; ++i) {
    const std::string id = "i" + std::to_string(i);
    ids.push_back(id);
    if (i % 3 == 0) entries.push_back({"driver:d1", id, "/" + id + ".json", sha256_hex(id)});
  }
  entries.push_back({"driver:d2", "i1", "/other.json", "ff"});
  ASSERT_TRUE((*ledger)->record(entries).is_ok());
  ids.push_back("i0");  // a duplicate id is answered once
  auto found = (*ledger)->lookup_many("driver:d1", ids);
  ASSERT_TRUE(found) << found.error().to_string();
  EXPECT_EQ(found->size(), 400u);
  ASSERT_EQ(found->count("i3"), 1u);
  const LedgerEntry& entry = found->at("i3");
  EXPECT_EQ(entry.target, "driver:d1");
  EXPECT_EQ(entry.item_id, "i3");
  EXPECT_EQ(entry.path, "/i3.json");
  EXPECT_TRUE(ledger_unchanged(entry, "/i3.json", sha256_hex("i3")));
  EXPECT_EQ(found->count("i1"), 0u);  // only driver:d2 has it
  EXPECT_EQ(found->count("i1199"), 0u);
  EXPECT_EQ(found->count("i1197"), 1u);
}

TEST(LedgerTest, PersistsAndToleratesConcurrentWritersInTwoConnections) {
  const auto dir = testing::make_temp_dir("dlx-ledger");
  const std::string path = (dir / "state" / kLedgerFileName).string();
  {
    auto a = open_sqlite_export_ledger(path);
    auto b = open_sqlite_export_ledger(path);  // a second "process"
    ASSERT_TRUE(a && b);
    auto writer = [](ExportLedger& ledger, const std::string& prefix) {
      for (int batch = 0; batch < 20; ++batch) {
        std::vector<LedgerEntry> entries;
        for (int i = 0; i < 25; ++i) {
          const std::string id = prefix + std::to_string(batch * 25 + i);
          entries.push_back({"driver:d1", id, "/" + id + ".json", sha256_hex(id)});
        }
        ASSERT_TRUE(ledger.record(entries).is_ok());
      }
    };
    std::thread ta(writer, std::ref(**a), "a");
    std::thread tb(writer, std::ref(**b), "b");
    std::thread tc(writer, std::ref(**a), "c");
    ta.join();
    tb.join();
    tc.join();
  }
  auto reopened = open_sqlite_export_ledger(path);
  ASSERT_TRUE(reopened);
  for (const char* prefix : {"a", "b", "c"}) {
    for (int i = 0; i < 500; i += 49) {
      const std::string id = prefix + std::to_string(i);
      auto entry = (*reopened)->lookup("driver:d1", id);
      ASSERT_TRUE(entry && entry->has_value()) << id;
      EXPECT_EQ((*entry)->sha256, sha256_hex(id));
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dlexport::queue
