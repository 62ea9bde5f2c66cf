#include "emulator/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "emulator/driver_storage.h"
#include "tests/support/paths.h"

namespace dlexport::emulator {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBase = "http://127.0.0.1:4242/api/v1";
constexpr const char* kProject = "6600000000000000000000a1";
constexpr const char* kDataset = "6600000000000000000000e5";

std::string item_id(int n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "6600000000000000000%05d", n);
  return buf;
}

// A dataset with `n` items /bulk/fNNNN.jpg (ids ascending) loaded from a fixture.
Json bulk_fixture(int n) {
  Json items = Json::array();
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "/bulk/f%04d.jpg", i);
    items.push_back({{"id", item_id(i + 1)}, {"datasetId", kDataset}, {"filename", name}});
  }
  return Json{{"projects", {{{"id", kProject}, {"name", "p"}}}},
              {"datasets", {{{"id", kDataset}, {"name", "big"}, {"projects", {kProject}}}}},
              {"items", items}};
}

Json items_query(Json extra_and = Json::array(), int page = 0, int page_size = 1000) {
  Json conds = Json::array({{{"hidden", false}}, {{"type", "file"}}});
  for (auto& c : extra_and) conds.push_back(c);
  return Json{{"filter", {{"$and", conds}}},
              {"sort", {{"id", "ascending"}}},
              {"page", page},
              {"pageSize", page_size},
              {"resource", "items"}};
}

[[maybe_unused]] std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(StorePaging, KeysetPagesReportRemainingCounts) {
  Store store(kBase, nullptr);
  ASSERT_TRUE(store.load_fixture(bulk_fixture(2300)).has_value());
  auto first = store.query(kDataset, items_query());
  ASSERT_TRUE(first.has_value()) << first.status().to_string();
  EXPECT_EQ(first->total_items, 2300);
  EXPECT_EQ(first->total_pages, 3);
  EXPECT_TRUE(first->has_next_page);
  ASSERT_EQ(first->items.size(), 1000u);
  EXPECT_EQ(first->items.front()["id"], item_id(1));
  std::string last = first->items.back()["id"];
  auto second = store.query(kDataset, items_query(Json::array({{{"id", {{"$gt", last}}}}})));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->total_items, 1300);
  EXPECT_EQ(second->total_pages, 2);
  EXPECT_TRUE(second->has_next_page);
  EXPECT_EQ(second->items.front()["id"], item_id(1001));
  last = second->items.back()["id"];
  auto third = store.query(kDataset, items_query(Json::array({{{"id", {{"$gt", last}}}}})));
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->total_items, 300);
  EXPECT_EQ(third->total_pages, 1);
  EXPECT_FALSE(third->has_next_page);
  EXPECT_EQ(third->items.size(), 300u);
  EXPECT_EQ(third->items.back()["id"], item_id(2300));
}

TEST(StoreUpload, CreatesItemWithPlatformShape) {
  Store store(kBase, nullptr);
  ASSERT_TRUE(store.load_fixture(bulk_fixture(0)).has_value());
  UploadRequest req{kDataset,          "//dir with space//sub/image 001.json",
                    "{\"k\": 1}",      "application/json",
                    UploadMode::kSkip, "bot@bot.ai",
                    std::nullopt,      std::nullopt};
  auto up = store.upload(req);
  ASSERT_TRUE(up.has_value()) << up.status().to_string();
  EXPECT_EQ(up->op, "created");
  const Json& item = up->item;
  EXPECT_EQ(item["filename"], "/dir with space/sub/image 001.json");
  EXPECT_EQ(item["dir"], "/dir with space/sub");
  EXPECT_EQ(item["name"], "image 001.json");
  EXPECT_EQ(item["metadata"]["system"]["size"], 8);
  EXPECT_EQ(item["metadata"]["system"]["originalname"], "image 001.json");
  EXPECT_EQ(item["creator"], "bot@bot.ai");
  std::vector<std::string> keys;
  for (auto it = item.begin(); it != item.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "id",          "datasetId",        "createdAt", "dir",       "filename",
                      "type",        "hidden",           "metadata",  "name",      "url",
                      "dataset",     "annotationsCount", "annotated", "stream",    "thumbnail",
                      "annotations", "creator",          "updatedAt", "updatedBy", "spec",
                      "srcItem",     "srcDataset",       "projectId"}));
  EXPECT_EQ(item["url"], std::string(kBase) + "/items/" + item["id"].get<std::string>());
  EXPECT_EQ(item["projectId"], kProject);
}

}  // namespace
}  // namespace dlexport::emulator
