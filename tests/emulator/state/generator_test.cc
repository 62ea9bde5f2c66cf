#include "emulator/generator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "emulator/store.h"

namespace dlexport::emulator {
namespace {

constexpr const char* kBase = "http://127.0.0.1:4242/api/v1";

Json all_pages(Store& store, const std::string& ds, const char* resource) {
  Json out = Json::array();
  std::string last;
  while (true) {
    Json conds = Json::array();
    if (!last.empty()) conds.push_back({{"id", {{"$gt", last}}}});
    Json q = {{"filter", {{"$and", conds}}},
              {"sort", {{"id", "ascending"}}},
              {"page", 0},
              {"pageSize", 1000},
              {"resource", resource}};
    auto page = store.query(ds, q);
    EXPECT_TRUE(page.has_value());
    for (auto& e : page->items) out.push_back(e);
    if (!page->has_next_page) break;
    last = page->items.back()["id"];
  }
  return out;
}

TEST(Generator, SplitMix64IsStable) {
  SplitMix64 rng(1234567);
  // Reference values of SplitMix64 for this seed (the algorithm is fixed, so are they).
  const std::uint64_t first = rng.next();
  SplitMix64 again(1234567);
  EXPECT_EQ(again.next(), first);
  EXPECT_EQ(SplitMix64(0).next(), 0xe220a8397b1dcdafull);
}

TEST(Generator, DeterministicPerSeed) {
  Store a(kBase, nullptr), b(kBase, nullptr), c(kBase, nullptr);
  Json spec = {{"items", 60}, {"annotations_per_item", 4}, {"seed", 42}};
  auto ra = a.generate(spec);
  auto rb = b.generate(spec);
  ASSERT_TRUE(ra.has_value()) << ra.status().to_string();
  ASSERT_TRUE(rb.has_value());
  EXPECT_EQ((*ra)["item_ids"].size(), 60u);
  EXPECT_EQ((*ra)["annotations"], 240);
  const std::string ds = (*ra)["dataset_id"];
  EXPECT_EQ(all_pages(a, ds, "items"), all_pages(b, ds, "items"));
  EXPECT_EQ(all_pages(a, ds, "annotations"), all_pages(b, ds, "annotations"));
  spec["seed"] = 43;
  auto rc = c.generate(spec);
  EXPECT_NE(all_pages(c, (*rc)["dataset_id"], "items"), all_pages(a, ds, "items"));
}

TEST(Generator, CoversEveryTypeWithPlatformShapes) {
  Store store(kBase, nullptr);
  auto r = store.generate({{"items", 200},
                           {"annotations_per_item", 3},
                           {"seed", 7},
                           {"project_id", "6600000000000000000000a1"},
                           {"dataset_id", "6600000000000000000000e5"},
                           {"dataset_name", "gen"}});
  ASSERT_TRUE(r.has_value()) << r.status().to_string();
  EXPECT_EQ((*r)["dataset_id"], "6600000000000000000000e5");
  auto dataset = store.get(Kind::kDataset, "6600000000000000000000e5");
  ASSERT_TRUE(dataset.has_value());
  EXPECT_EQ((*dataset)["name"], "gen");
  EXPECT_EQ((*dataset)["itemsCount"], 200);
  EXPECT_EQ((*dataset)["annotationsCount"], 600);
  EXPECT_TRUE(store.get(Kind::kProject, "6600000000000000000000a1").has_value());

  Json items = all_pages(store, "6600000000000000000000e5", "items");
  std::set<std::string> filenames, mimetypes;
  bool unicode = false, space = false, nested = false, user_meta = false;
  for (const Json& item : items) {
    filenames.insert(item["filename"].get<std::string>());
    const std::string name = item["name"];
    mimetypes.insert(item["metadata"]["system"]["mimetype"].get<std::string>());
    unicode |= std::any_of(name.begin(), name.end(), [](char ch) { return ch & 0x80; });
    space |= name.find(' ') != std::string::npos ||
             item["dir"].get<std::string>().find(' ') != std::string::npos;
    const std::string dir = item["dir"];
    nested |= std::count(dir.begin(), dir.end(), '/') >= 2;
    user_meta |= item["metadata"].contains("user");
    EXPECT_EQ(item["annotationsCount"], 3);
    EXPECT_EQ(item["annotated"], true);
    EXPECT_EQ(item["metadata"]["system"]["originalname"], name);
    if (item["metadata"]["system"]["mimetype"] == "image/jpeg") {
      EXPECT_TRUE(item["metadata"]["system"].contains("width"));
    }
    if (item["metadata"]["system"]["mimetype"] == "video/mp4") {
      EXPECT_TRUE(item["metadata"]["system"].contains("fps"));
    }
  }
  EXPECT_EQ(filenames.size(), items.size());  // unique within the dataset
  EXPECT_TRUE(unicode);
  EXPECT_TRUE(space);
  EXPECT_TRUE(nested);
  EXPECT_TRUE(user_meta);
  for (const char* m :
       {"image/jpeg", "image/png", "video/mp4", "audio/wav", "text/plain", "application/pcd"}) {
    EXPECT_TRUE(mimetypes.count(m)) << m;
  }

  Json anns = all_pages(store, "6600000000000000000000e5", "annotations");
  ASSERT_EQ(anns.size(), 600u);
  std::set<std::string> types;
  bool two_rings = false, video_snapshots = false;
  for (const Json& a : anns) {
    types.insert(a["type"].get<std::string>());
    for (const char* key : {"id", "datasetId", "type", "label", "attributes", "metadata", "creator",
                            "createdAt", "updatedBy", "updatedAt", "itemId", "url", "item",
                            "dataset", "hash", "source", "coordinates"}) {
      ASSERT_TRUE(a.contains(key)) << key << " in " << a.dump();
    }
    EXPECT_EQ(a["metadata"]["system"]["recipeId"], (*dataset)["metadata"]["system"]["recipes"][0]);
    if (a["type"] == "segment" && a["coordinates"].size() == 2) two_rings = true;
    if (!a["metadata"]["system"]["snapshots_"].empty()) video_snapshots = true;
    // A served annotation is also fetchable by id, identically.
    if (a["type"] == "binary") {
      EXPECT_EQ(*store.get(Kind::kAnnotation, a["id"].get<std::string>()), a);
    }
  }
  for (std::string_view t : kAnnotationTypes) EXPECT_TRUE(types.count(std::string(t))) << t;
  EXPECT_TRUE(two_rings);
  EXPECT_TRUE(video_snapshots);

  // Cheap fields of generated annotations filter without materialising; others still work.
  Json by_label = {{"filter", {{"$and", {{{"label", "car"}}, {{"source", "ui"}}}}}},
                   {"resource", "annotations"}};
  auto labelled = store.query("6600000000000000000000e5", by_label);
  ASSERT_TRUE(labelled.has_value());
  for (const Json& a : labelled->items) {
    EXPECT_EQ(a["label"], "car");
    EXPECT_EQ(a["source"], "ui");
  }
  EXPECT_GT(labelled->total_items, 0);
}

TEST(Generator, BindsDriverAndRejectsUnknownOnes) {
  Store store(kBase, nullptr);
  EXPECT_EQ(store.generate({{"driver_id", "6600000000000000000000d9"}}).error().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store.generate({{"items", -1}}).error().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(
      store.load_fixture({{"drivers", {{{"id", "6600000000000000000000d9"}, {"bucketName", "b"}}}}})
          .has_value());
  auto r = store.generate({{"driver_id", "6600000000000000000000d9"}, {"items", 2}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(store.get(Kind::kDataset, (*r)["dataset_id"].get<std::string>())->at("driver"),
            "6600000000000000000000d9");
}

// 100k items x 10 annotations: prints the load time and the time of keyset pages (no timed
// assertions; the figures go into the report).
TEST(Generator, LargeDatasetTimings) {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  Store store(kBase, nullptr);
  auto t0 = Clock::now();
  auto r = store.generate({{"items", 100000}, {"annotations_per_item", 10}, {"seed", 1}});
  auto t1 = Clock::now();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)["annotations"], 1000000);
  const std::string ds = (*r)["dataset_id"];
  const std::string mid = (*r)["item_ids"][50000];
  Json items_q = {
      {"filter", {{"$and", {{{"hidden", false}}, {{"type", "file"}}, {{"id", {{"$gt", mid}}}}}}}},
      {"sort", {{"id", "ascending"}}},
      {"page", 0},
      {"pageSize", 1000},
      {"resource", "items"}};
  Json first_items_q = items_q;
  first_items_q["filter"]["$and"].erase(2);
  auto tf0 = Clock::now();
  auto page = store.query(ds, first_items_q);  // first page: scans, then caches the matches
  auto tf1 = Clock::now();
  EXPECT_EQ(page->total_items, 100000);
  auto t2 = Clock::now();
  page = store.query(ds, items_q);
  auto t3 = Clock::now();
  Json count_q = items_q;
  count_q["pageSize"] = 1;
  auto tc0 = Clock::now();
  auto counted = store.query(ds, count_q);
  auto tc1 = Clock::now();
  EXPECT_EQ(counted->total_items, 49999);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total_items, 49999);
  EXPECT_EQ(page->items.size(), 1000u);
  Json ids = Json::array();
  for (std::size_t i = 0; i < 100; ++i) ids.push_back((*r)["item_ids"][i * 7]);
  Json ann_q = {{"filter",
                 {{"$and",
                   {{{"type", {{"$in", {"box", "point", "segment", "class"}}}}},
                    {{"itemId", {{"$in", ids}}}}}}}},
                {"sort", {{"id", "ascending"}}},
                {"page", 0},
                {"pageSize", 1000},
                {"resource", "annotations"}};
  auto t4 = Clock::now();
  auto anns = store.query(ds, ann_q);
  auto t5 = Clock::now();
  ASSERT_TRUE(anns.has_value());
  EXPECT_GT(anns->total_items, 0);
  Json first_ann_page = {{"filter", Json::object()}, {"resource", "annotations"}};
  auto t6 = Clock::now();
  auto scan = store.query(ds, first_ann_page);
  auto t7 = Clock::now();
  EXPECT_EQ(scan->total_items, 1000000);
  auto report = [&](const char* what, Clock::duration d) {
    std::printf("[timing] %s: %lld ms\n", what, static_cast<long long>(ms(d)));
  };
  report("generate 100k items x 10 annotations", t1 - t0);
  report("items first page (hidden/type: scans 100k, fills the match cache)", tf1 - tf0);
  report("items keyset page (same filter + id $gt, 50k remaining)", t3 - t2);
  report("same keyset filter, pageSize 1", tc1 - tc0);
  report("annotations itemId $in [100 items] + type $in", t5 - t4);
  report("annotations first page with the full 1M count (scan)", t7 - t6);
}

}  // namespace
}  // namespace dlexport::emulator
