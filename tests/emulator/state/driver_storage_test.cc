#include "emulator/driver_storage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "emulator/store.h"
#include "tests/support/paths.h"

namespace dlexport::emulator {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBase = "http://127.0.0.1:4242/api/v1";
constexpr const char* kProject = "6600000000000000000000a1";
constexpr const char* kDriver = "6600000000000000000000d1";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DriverStorageTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = testing::make_temp_dir("dlx-bucket"); }
  void TearDown() override { fs::remove_all(root_); }

  // A store with one driver (extra fields merged in) and a dataset bound to it.
  std::unique_ptr<Store> make_store(Json driver_fields, std::string* dataset_id) {
    auto store = std::make_unique<Store>(kBase, std::make_shared<DriverStorage>(root_));
    Json driver = {{"id", kDriver}, {"projectId", kProject}, {"type", "s3"}};
    driver.update(driver_fields);
    auto loaded = store->load_fixture({{"projects", {{{"id", kProject}}}}, {"drivers", {driver}}});
    EXPECT_TRUE(loaded.has_value());
    auto ds = store->create_dataset(
        {{"name", "Export Storage Driver"}, {"projects", {kProject}}, {"driver", kDriver}}, "bot");
    EXPECT_TRUE(ds.has_value());
    *dataset_id = (*ds)["id"];
    return store;
  }

  Result<UploadResult> put(Store& store, const std::string& ds, const std::string& path,
                           const std::string& content, UploadMode mode = UploadMode::kSkip) {
    UploadRequest req;
    req.dataset_id = ds;
    req.path = path;
    req.content = content;
    req.mimetype = "application/json";
    req.mode = mode;
    return store.upload(req);
  }

  fs::path root_;
};

TEST_F(DriverStorageTest, ObjectKeyUsesBucketFieldAndDriverPath) {
  EXPECT_EQ(
      *DriverStorage::object_key({{"bucketName", "b"}, {"path", "exports/root"}}, "/a/x.json"),
      "b/exports/root/a/x.json");
  EXPECT_EQ(*DriverStorage::object_key({{"bucket", "g"}, {"path", "/p/"}}, "/x.json"),
            "g/p/x.json");
  EXPECT_EQ(*DriverStorage::object_key({{"containerName", "c"}}, "/x.json"), "c/x.json");
  EXPECT_EQ(*DriverStorage::object_key({{"bucketName", "b"}, {"path", ""}}, "/x.json"), "b/x.json");
  EXPECT_FALSE(DriverStorage::object_key({{"type", "s3"}}, "/x.json").has_value());
  EXPECT_FALSE(
      DriverStorage::object_key({{"bucketName", "b"}, {"path", "../up"}}, "/x").has_value());
  EXPECT_FALSE(DriverStorage::object_key({{"bucketName", ".."}}, "/x").has_value());
  EXPECT_FALSE(DriverStorage::object_key({{"bucketName", "b"}}, "/a/../../x").has_value());
}

TEST_F(DriverStorageTest, UploadsLandUnderBucketAndPathWithUnicodeDirs) {
  std::string ds;
  auto store = make_store({{"bucketName", "probe-bucket"}, {"path", "exports/root"}}, &ds);
  ASSERT_TRUE(put(*store, ds, "/папка/数据/тест файл.json", "{\"k\": 1}").has_value());
  fs::path file = root_ / "probe-bucket" / "exports" / "root" / "папка" / "数据" / "тест файл.json";
  ASSERT_TRUE(fs::exists(file));
  EXPECT_EQ(slurp(file), "{\"k\": 1}");
  // No temp files are left next to the object.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(file.parent_path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(DriverStorageTest, GcsAndAzureBucketsWithoutPath) {
  for (const char* field : {"bucket", "containerName"}) {
    std::string ds;
    auto store = make_store({{field, std::string("b-") + field}}, &ds);
    ASSERT_TRUE(put(*store, ds, "/x/y.json", "1").has_value());
    EXPECT_TRUE(fs::exists(root_ / (std::string("b-") + field) / "x" / "y.json")) << field;
  }
}

TEST_F(DriverStorageTest, SkipKeepsOldBytesOverwriteReplacesSameSize) {
  std::string ds;
  auto store = make_store({{"bucketName", "b"}}, &ds);
  fs::path file = root_ / "b" / "a" / "x.json";
  ASSERT_EQ(put(*store, ds, "/a/x.json", "AAAA")->op, "created");
  auto skipped = put(*store, ds, "/a/x.json", "BBBB");
  EXPECT_EQ(skipped->op, "skip");
  EXPECT_EQ(slurp(file), "AAAA");
  auto over = put(*store, ds, "/a/x.json", "CCCC", UploadMode::kOverwrite);
  EXPECT_EQ(over->op, "overwrite");
  EXPECT_EQ(slurp(file), "CCCC");
  EXPECT_EQ(over->item["metadata"]["system"]["size"], 4);
}

TEST_F(DriverStorageTest, DeletingKeepsBucketFilesUnlessAllowExternalDelete) {
  for (bool allow : {false, true}) {
    fs::remove_all(root_);
    fs::create_directories(root_);
    std::string ds;
    auto store =
        make_store({{"bucketName", "b"}, {"path", "p"}, {"allowExternalDelete", allow}}, &ds);
    auto one = put(*store, ds, "/one.json", "1");
    ASSERT_TRUE(put(*store, ds, "/q/two.json", "2").has_value());
    ASSERT_TRUE(put(*store, ds, "/q/three.json", "3").has_value());
    ASSERT_TRUE(put(*store, ds, "/d/four.json", "4").has_value());

    ASSERT_TRUE(store->delete_item(one->item["id"].get<std::string>()).is_ok());
    EXPECT_EQ(fs::exists(root_ / "b" / "p" / "one.json"), !allow) << "delete_item allow=" << allow;

    Json del = {{"filter", {{"dir", "/q"}}}, {"resource", "items"}, {"delete", true}};
    EXPECT_EQ(*store->delete_by_query(ds, del), 2);
    EXPECT_EQ(fs::exists(root_ / "b" / "p" / "q" / "two.json"), !allow);
    EXPECT_EQ(fs::exists(root_ / "b" / "p" / "q" / "three.json"), !allow);

    ASSERT_TRUE(store->delete_dataset(ds).is_ok());
    EXPECT_EQ(fs::exists(root_ / "b" / "p" / "d" / "four.json"), !allow)
        << "delete_dataset allow=" << allow;
  }
}

TEST_F(DriverStorageTest, DatasetsWithoutAKnownDriverWriteNoFiles) {
  Store store(kBase, std::make_shared<DriverStorage>(root_));
  auto ds = store.create_dataset({{"name", "plain"}}, "bot");
  ASSERT_TRUE(ds.has_value());
  ASSERT_TRUE(put(store, (*ds)["id"], "/x.json", "1").has_value());
  EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(DriverStorageTest, ConcurrentUploadsOfDistinctAndSamePaths) {
  std::string ds;
  auto store = make_store({{"bucketName", "b"}}, &ds);
  constexpr int kThreads = 6;
  constexpr int kPerThread = 40;
  const std::string big_a(64 * 1024, 'a');
  const std::string big_b(64 * 1024, 'b');
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto own = put(*store, ds, "/t" + std::to_string(t) + "/f" + std::to_string(i) + ".json",
                       std::to_string(t * 1000 + i));
        EXPECT_TRUE(own.has_value());
        auto shared =
            put(*store, ds, "/shared.json", (t % 2) ? big_a : big_b, UploadMode::kOverwrite);
        EXPECT_TRUE(shared.has_value());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store->counts()["items"], kThreads * kPerThread + 1);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(slurp(root_ / "b" / ("t" + std::to_string(t)) / "f7.json"),
              std::to_string(t * 1000 + 7));
  }
  // Never torn: the shared object is one complete version, and the item agrees with it.
  std::string shared = slurp(root_ / "b" / "shared.json");
  EXPECT_TRUE(shared == big_a || shared == big_b);
  Json q = {{"filter", {{"filename", "/shared.json"}}}, {"resource", "items"}};
  auto item = store->query(ds, q);
  ASSERT_EQ(item->items.size(), 1u);
  EXPECT_EQ(*store->item_content(item->items[0]["id"].get<std::string>()), shared);
  int stray = 0;
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    if (e.path().filename().string().find(".tmp-") != std::string::npos) ++stray;
  }
  EXPECT_EQ(stray, 0);
}

}  // namespace
}  // namespace dlexport::emulator
