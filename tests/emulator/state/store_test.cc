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

std::string read_file(const fs::path& path) {
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

namespace dlexport::emulator {
namespace {

Json annotation_fixture(const std::string& item, int n, int first_id) {
  Json anns = Json::array();
  for (int i = 0; i < n; ++i) {
    anns.push_back({{"id", item_id(first_id + i)},
                    {"itemId", item},
                    {"type", i % 10 == 9 ? "note" : "box"},
                    {"label", "car"}});
  }
  return anns;
}

Json annotations_query(Json item_cond, Json extra = Json::array()) {
  Json conds =
      Json::array({{{"type",
                     {{"$in",
                       {"box", "cube", "cube_3d", "class", "comparison", "ellipse", "point",
                        "segment", "polyline", "pose", "binary", "subtitle", "text_mark", "gis",
                        "ref_semantic_3d", "polyline_3d", "text", "ref_image"}}}}},
                   {{"itemId", item_cond}}});
  for (auto& c : extra) conds.push_back(c);
  return Json{{"filter", {{"$and", conds}}},
              {"sort", {{"id", "ascending"}}},
              {"page", 0},
              {"pageSize", 1000},
              {"resource", "annotations"}};
}

TEST(StorePaging, OffsetPagesAndExactBoundaries) {
  Store store(kBase, nullptr);
  ASSERT_TRUE(store.load_fixture(bulk_fixture(2000)).has_value());
  Json q = items_query(Json::array(), 2, 500);
  q.erase("sort");
  auto page = store.query(kDataset, q);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total_items, 2000);
  EXPECT_EQ(page->total_pages, 4);
  EXPECT_TRUE(page->has_next_page);
  EXPECT_EQ(page->items.front()["id"], item_id(1001));
  auto last = store.query(kDataset, items_query(Json::array(), 3, 500));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->items.size(), 500u);
  EXPECT_FALSE(last->has_next_page);  // 2000 is an exact multiple: no page after the 4th
  auto beyond = store.query(kDataset, items_query(Json::array(), 9, 500));
  ASSERT_TRUE(beyond.has_value());
  EXPECT_TRUE(beyond->items.empty());
  EXPECT_FALSE(beyond->has_next_page);
  auto full = store.query(kDataset, items_query(Json::array(), 1, 1000));
  EXPECT_FALSE(full->has_next_page);
  EXPECT_EQ(full->total_pages, 2);
}

TEST(StorePaging, RepeatedKeysetQueriesSeeWrites) {
  Store store(kBase, nullptr);
  ASSERT_TRUE(store.load_fixture(bulk_fixture(1500)).has_value());
  Json later = items_query(Json::array({{{"id", {{"$gt", item_id(1000)}}}}}));
  EXPECT_EQ(store.query(kDataset, later)->total_items, 500);
  EXPECT_EQ(store.query(kDataset, later)->total_items, 500);  // served from the match cache
  ASSERT_TRUE(store.delete_item(item_id(1200)).is_ok());
  EXPECT_EQ(store.query(kDataset, later)->total_items, 499);
  UploadRequest req;
  req.dataset_id = kDataset;
  req.path = "/bulk/new.jpg";
  req.content = "x";
  ASSERT_TRUE(store.upload(req).has_value());
  auto after = store.query(kDataset, later);
  EXPECT_EQ(after->total_items, 500);
  EXPECT_EQ(after->items.back()["filename"], "/bulk/new.jpg");
  Json inclusive = items_query(Json::array({{{"id", {{"$gte", item_id(1000)}}}}}));
  EXPECT_EQ(store.query(kDataset, inclusive)->items.front()["id"], item_id(1000));
  Json desc = later;
  desc["sort"] = {{"id", "descending"}};
  desc["pageSize"] = 10;
  auto d = store.query(kDataset, desc);
  EXPECT_EQ(d->items.front()["filename"], "/bulk/new.jpg");
  EXPECT_EQ(d->items.back()["id"], item_id(1492));
  EXPECT_EQ(d->total_items, 500);
}

TEST(StorePaging, EmptyDatasetHasZeroPages) {
  Store store(kBase, nullptr);
  ASSERT_TRUE(store.load_fixture(bulk_fixture(0)).has_value());
  auto page = store.query(kDataset, items_query());
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total_items, 0);
  EXPECT_EQ(page->total_pages, 0);
  EXPECT_FALSE(page->has_next_page);
  Json envelope = std::move(*page).to_json();
  EXPECT_EQ(envelope.dump(),
            R"({"totalItemsCount":0,"items":[],"totalPagesCount":0,"hasNextPage":false})");
}

TEST(StorePaging, RejectsBadPagingAndUnknownOperatorsAndDatasets) {
  Store store(kBase, nullptr);
  ASSERT_TRUE(store.load_fixture(bulk_fixture(3)).has_value());
  auto bad_size = store.query(kDataset, items_query(Json::array(), 0, 0));
  ASSERT_FALSE(bad_size.has_value());
  EXPECT_EQ(bad_size.error().code(), StatusCode::kInvalidArgument);
  auto bad_op = store.query(kDataset, items_query(Json::array({{{"name", {{"$regex", "x"}}}}})));
  ASSERT_FALSE(bad_op.has_value());
  EXPECT_EQ(bad_op.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_op.error().message().find("$regex"), std::string::npos);
  auto missing = store.query("660000000000000000000fff", items_query());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
}

TEST(StorePaging, SortDescendingAndByOtherFields) {
  Store store(kBase, nullptr);
  ASSERT_TRUE(store.load_fixture(bulk_fixture(30)).has_value());
  Json q = items_query(Json::array(), 0, 10);
  q["sort"] = {{"id", "descending"}};
  auto desc = store.query(kDataset, q);
  ASSERT_TRUE(desc.has_value());
  EXPECT_EQ(desc->items.front()["id"], item_id(30));
  EXPECT_EQ(desc->items.back()["id"], item_id(21));
  EXPECT_EQ(desc->total_items, 30);
  q["sort"] = {{"filename", -1}};
  auto by_name = store.query(kDataset, q);
  ASSERT_TRUE(by_name.has_value());
  EXPECT_EQ(by_name->items.front()["filename"], "/bulk/f0029.jpg");
  q["sort"] = {{"filename", "ascending"}};
  q["page"] = 2;
  auto by_name_page = store.query(kDataset, q);
  EXPECT_EQ(by_name_page->items.front()["filename"], "/bulk/f0020.jpg");
  EXPECT_FALSE(by_name_page->has_next_page);
}

TEST(StorePaging, AnnotationsOfOneItemOver1000TakeTwoPages) {
  Store store(kBase, nullptr);
  Json fixture = bulk_fixture(5);
  // 1150 exportable annotations on item 1 (plus notes, which the SDK filter leaves out).
  Json anns = Json::array();
  for (int i = 0; i < 1150; ++i) {
    anns.push_back(
        {{"id", item_id(100 + i)}, {"itemId", item_id(1)}, {"type", "box"}, {"label", "car"}});
  }
  anns.push_back({{"id", item_id(5000)}, {"itemId", item_id(1)}, {"type", "note"}});
  for (auto& a : annotation_fixture(item_id(2), 4, 6000)) anns.push_back(a);
  fixture["annotations"] = anns;
  ASSERT_TRUE(store.load_fixture(fixture).has_value());

  auto first = store.query(kDataset, annotations_query(item_id(1)));
  ASSERT_TRUE(first.has_value()) << first.status().to_string();
  EXPECT_EQ(first->total_items, 1150);
  EXPECT_EQ(first->total_pages, 2);
  EXPECT_TRUE(first->has_next_page);
  ASSERT_EQ(first->items.size(), 1000u);
  std::string last = first->items.back()["id"];
  auto second = store.query(
      kDataset, annotations_query(item_id(1), Json::array({{{"id", {{"$gt", last}}}}})));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->total_items, 150);
  EXPECT_EQ(second->total_pages, 1);
  EXPECT_FALSE(second->has_next_page);
  EXPECT_EQ(second->items.size(), 150u);

  // Batched by itemId $in, mixed across items in id order; notes of item 2 filtered out.
  auto batched = store.query(kDataset, annotations_query(Json{{"$in", {item_id(2), item_id(1)}}}));
  ASSERT_TRUE(batched.has_value());
  EXPECT_EQ(batched->total_items, 1150 + 4);
  // Without the type condition notes are included.
  Json no_types = {{"filter", {{"$and", {{{"itemId", {{"$in", {item_id(1)}}}}}}}}},
                   {"resource", "annotations"}};
  EXPECT_EQ(store.query(kDataset, no_types)->total_items, 1151);

  auto item = store.get(Kind::kItem, item_id(1));
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ((*item)["annotationsCount"], 1151);
  EXPECT_EQ((*item)["annotated"], true);
  auto none = store.get(Kind::kItem, item_id(3));
  EXPECT_EQ((*none)["annotationsCount"], 0);
  EXPECT_EQ((*none)["annotated"], false);
}

TEST(StoreDatasets, QueryHonoursSystemSpaceAndProjects) {
  Store store(kBase, nullptr);
  Json fixture = {
      {"projects", {{{"id", kProject}}, {{"id", "6600000000000000000000a2"}}}},
      {"datasets",
       {{{"id", "6600000000000000000000d1"}, {"name", "visible"}, {"projects", {kProject}}},
        {{"id", "6600000000000000000000d2"},
         {"name", "Export Storage Driver - x"},
         {"projects", {kProject}},
         {"metadata", {{"system", {{"scope", "system"}, {"exportSolution", true}}}}}},
        {{"id", "6600000000000000000000d3"},
         {"name", "other"},
         {"projects", {"6600000000000000000000a2"}}}}}};
  ASSERT_TRUE(store.load_fixture(fixture).has_value());
  auto names = [](const QueryPage& page) {
    std::vector<std::string> out;
    for (const Json& d : page.items) out.push_back(d["name"]);
    return out;
  };
  Json q = {{"filter", Json::object()},
            {"page", 0},
            {"pageSize", 1000},
            {"resource", "datasets"},
            {"context", {{"projects", {kProject}}}}};
  EXPECT_EQ(names(*store.query_datasets(q)), (std::vector<std::string>{"visible"}));
  q["systemSpace"] = true;
  EXPECT_EQ(names(*store.query_datasets(q)),
            (std::vector<std::string>{"visible", "Export Storage Driver - x"}));
  q["filter"] = {{"$and", {{{"metadata.system.exportSolution", true}}}}};
  auto system_only = store.query_datasets(q);
  EXPECT_EQ(names(*system_only), (std::vector<std::string>{"Export Storage Driver - x"}));
  EXPECT_EQ(system_only->total_items, 1);
  EXPECT_EQ(system_only->total_pages, 1);
  Json all = {{"filter", Json::object()}, {"resource", "datasets"}};
  EXPECT_EQ(names(*store.query_datasets(all)), (std::vector<std::string>{"visible", "other"}));
  Json by_name = {{"filter", {{"$and", {{{"name", "other"}}}}}}, {"resource", "datasets"}};
  EXPECT_EQ(store.query_datasets(by_name)->total_items, 1);
}

TEST(StoreDatasets, CreatePatchAndDelete) {
  Store store(kBase, nullptr);
  ASSERT_TRUE(store
                  .load_fixture({{"projects", {{{"id", kProject}}}},
                                 {"drivers",
                                  {{{"id", "6600000000000000000000d1"},
                                    {"projectId", kProject},
                                    {"bucketName", "b"}}}}})
                  .has_value());
  Json body = {{"name", "Export Storage Driver - 6600000000000000000000d1"},
               {"projects", {kProject}},
               {"createDefaultRecipe", true},
               {"driver", "6600000000000000000000d1"}};
  auto ds = store.create_dataset(body, "bot@bot.ai");
  ASSERT_TRUE(ds.has_value()) << ds.status().to_string();
  EXPECT_EQ((*ds)["driver"], "6600000000000000000000d1");
  EXPECT_EQ((*ds)["creator"], "bot@bot.ai");
  EXPECT_EQ((*ds)["itemsCount"], 0);
  EXPECT_TRUE((*ds)["metadata"]["system"].is_object());
  EXPECT_EQ((*ds)["export"]["zip"],
            std::string(kBase) + "/datasets/" + (*ds)["id"].get<std::string>() + "/export/zip");
  ASSERT_EQ((*ds)["metadata"]["system"]["recipes"].size(), 1u);
  auto recipe =
      store.get(Kind::kRecipe, (*ds)["metadata"]["system"]["recipes"][0].get<std::string>());
  ASSERT_TRUE(recipe.has_value());
  ASSERT_EQ((*recipe)["ontologyIds"].size(), 1u);
  auto ontology = store.get(Kind::kOntology, (*recipe)["ontologyIds"][0].get<std::string>());
  ASSERT_TRUE(ontology.has_value());
  EXPECT_FALSE((*ontology)["roots"].empty());
  std::vector<std::string> keys;
  for (auto it = ds->begin(); it != ds->end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"id",
                                            "url",
                                            "name",
                                            "annotated",
                                            "itemsCount",
                                            "items",
                                            "directoryTree",
                                            "creator",
                                            "projects",
                                            "metadata",
                                            "createdAt",
                                            "updatedAt",
                                            "updatedBy",
                                            "readableType",
                                            "accessLevel",
                                            "driver",
                                            "readonly",
                                            "indexDriver",
                                            "enableSyncWithCloned",
                                            "annotationsCount",
                                            "export"}));

  // Same name again → 409; unknown driver → 400 naming the field; driverId accepted.
  EXPECT_EQ(store.create_dataset(body, "x").error().code(), StatusCode::kAlreadyExists);
  Json bad = {{"name", "n2"}, {"projects", {kProject}}, {"driver", "6600000000000000000000ff"}};
  auto bad_ds = store.create_dataset(bad, "x");
  ASSERT_FALSE(bad_ds.has_value());
  EXPECT_EQ(bad_ds.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_ds.error().message().find("driver"), std::string::npos);
  Json by_driver_id = {{"name", "n3"}, {"driverId", "6600000000000000000000d1"}};
  EXPECT_EQ((*store.create_dataset(by_driver_id, "x"))["driver"], "6600000000000000000000d1");

  // PATCH: the whole SDK object; metadata.system only with system=true; read-only keys ignored.
  const std::string id = (*ds)["id"];
  Json patch = *ds;
  patch["metadata"]["system"]["scope"] = "system";
  patch["metadata"]["system"]["exportSolution"] = true;
  patch["itemsCount"] = 99;
  patch["isSyncing"] = false;
  auto unprivileged = store.patch_dataset(id, patch, false, "bot@bot.ai");
  ASSERT_TRUE(unprivileged.has_value());
  EXPECT_FALSE((*unprivileged)["metadata"]["system"].contains("scope"));
  auto patched = store.patch_dataset(id, patch, true, "bot@bot.ai");
  ASSERT_TRUE(patched.has_value());
  EXPECT_EQ((*patched)["metadata"]["system"]["scope"], "system");
  EXPECT_EQ((*patched)["metadata"]["system"]["exportSolution"], true);
  EXPECT_EQ((*patched)["itemsCount"], 0);
  EXPECT_EQ((*patched)["isSyncing"], false);
  EXPECT_EQ(store.patch_dataset("nope", patch, true, "").error().code(), StatusCode::kNotFound);

  ASSERT_TRUE(store.delete_dataset(id).is_ok());
  EXPECT_EQ(store.get(Kind::kDataset, id).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.delete_dataset(id).code(), StatusCode::kNotFound);
}

TEST(StoreUpload, SkipAndOverwriteModes) {
  Store store(kBase, nullptr);
  ASSERT_TRUE(store.load_fixture(bulk_fixture(0)).has_value());
  UploadRequest req;
  req.dataset_id = kDataset;
  req.path = "/a/b.json";
  req.content = "old-bytes";
  req.mimetype = "application/json";
  auto first = store.upload(req);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->op, "created");
  const std::string id = first->item["id"];

  req.content = "new-bytes";  // same size
  auto skipped = store.upload(req);
  ASSERT_TRUE(skipped.has_value());
  EXPECT_EQ(skipped->op, "skip");
  EXPECT_EQ(skipped->item["id"], id);
  EXPECT_EQ(*store.item_content(id), "old-bytes");

  req.mode = UploadMode::kOverwrite;
  auto overwritten = store.upload(req);
  ASSERT_TRUE(overwritten.has_value());
  EXPECT_EQ(overwritten->op, "overwrite");
  EXPECT_EQ(overwritten->item["id"], id);
  EXPECT_EQ(*store.item_content(id), "new-bytes");

  req.content = "much longer content";
  auto longer = store.upload(req);
  EXPECT_EQ(longer->item["metadata"]["system"]["size"], req.content.size());

  req.mode = UploadMode::kSkip;
  req.path = "/m/meta.json";
  req.user_metadata = Json{{"user", {{"exported", true}}}, {"system", {{"size", 1}}}};
  req.description = "export of x";
  auto meta = store.upload(req);
  ASSERT_TRUE(meta.has_value());
  EXPECT_EQ(meta->item["metadata"]["user"]["exported"], true);
  EXPECT_EQ(meta->item["metadata"]["system"]["size"], req.content.size());
  EXPECT_EQ(meta->item["description"], "export of x");
  EXPECT_EQ(meta->item.back(), "export of x");  // appended after projectId, as recorded

  req.path = "/root.json";
  EXPECT_EQ(store.upload(req)->item["dir"], "/");
  req.path = "no/leading/slash.json";
  EXPECT_EQ(store.upload(req)->item["filename"], "/no/leading/slash.json");
}

TEST(StoreUpload, RejectsTraversalAndControlCharacters) {
  Store store(kBase, nullptr);
  ASSERT_TRUE(store.load_fixture(bulk_fixture(0)).has_value());
  for (const char* path : {"/a/../b.json", "../b.json", "/a/./b.json", "/a/b\n.json",
                           "/a/\x01.json", "/dir/", "", "/"}) {
    UploadRequest req;
    req.dataset_id = kDataset;
    req.path = path;
    req.content = "x";
    auto r = store.upload(req);
    ASSERT_FALSE(r.has_value()) << path;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << path;
  }
  UploadRequest req;
  req.dataset_id = "660000000000000000000fff";
  req.path = "/x.json";
  EXPECT_EQ(store.upload(req).error().code(), StatusCode::kNotFound);
}

TEST(StoreItems, DeleteItemAndDeleteByQuery) {
  Store store(kBase, nullptr);
  Json fixture = bulk_fixture(10);
  fixture["items"].push_back({{"id", item_id(50)},
                              {"datasetId", kDataset},
                              {"filename", "/.dataloop/x.json"},
                              {"hidden", true}});
  fixture["items"].push_back(
      {{"id", item_id(51)}, {"datasetId", kDataset}, {"filename", "/bulk"}, {"type", "dir"}});
  fixture["annotations"] = annotation_fixture(item_id(1), 3, 100);
  ASSERT_TRUE(store.load_fixture(fixture).has_value());
  ASSERT_TRUE(store.delete_item(item_id(1)).is_ok());
  EXPECT_EQ(store.get(Kind::kItem, item_id(1)).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.get(Kind::kAnnotation, item_id(100)).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.delete_item(item_id(1)).code(), StatusCode::kNotFound);
  EXPECT_EQ(store.delete_item("not-an-id").code(), StatusCode::kNotFound);
  EXPECT_EQ(store.counts()["annotations"], 0);

  Json del = {{"filter", {{"$and", {{{"hidden", false}}, {{"type", "file"}}}}}},
              {"resource", "items"},
              {"delete", true}};
  auto deleted = store.delete_by_query(kDataset, del);
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(*deleted, 9);
  EXPECT_EQ(store.counts()["items"], 2);  // the hidden file and the folder stay
  del["resource"] = "annotations";
  EXPECT_EQ(store.delete_by_query(kDataset, del).error().code(), StatusCode::kInvalidArgument);
}

TEST(StoreFixtures, FillsServerSideFieldsAndKeepsGivenOnes) {
  Store store(kBase, nullptr);
  Json fixture = {
      {"projects", {{{"id", kProject}, {"name", "probe-project"}}}},
      {"drivers",
       {{{"id", "6600000000000000000000d1"},
         {"projectId", kProject},
         {"payload", {{"bucketName", "b"}, {"path", "p"}}}}}},
      {"datasets", {{{"id", kDataset}, {"name", "ds"}, {"projects", {kProject}}}}},
      {"items",
       {{{"id", item_id(1)}, {"datasetId", kDataset}, {"filename", "/a/b/c.jpg"}},
        {{"id", item_id(2)},
         {"datasetId", kDataset},
         {"dir", "/x"},
         {"name", "y.png"},
         {"annotationsCount", 7},
         {"annotated", "discarded"},
         {"url", "https://gate.dataloop.ai/api/v1/items/x"},
         {"metadata", {{"user", {{"k", 1}}}}}}}},
      {"annotations", {{{"itemId", item_id(1)}, {"type", "box"}, {"label", "car"}}}},
      {"services", {{{"id", "660000000000000000000017"}, {"name", "svc"}}}},
      {"commands", {{{"id", "6600000000000000000000cc"}, {"status", "in-progress"}}}},
      {"users", {{{"email", "u@example.com"}, {"password", "pw"}, {"refresh_token", "rt"}}}}};
  auto loaded = store.load_fixture(fixture);
  ASSERT_TRUE(loaded.has_value()) << loaded.status().to_string();
  EXPECT_EQ((*loaded)["items"], 2);
  EXPECT_EQ((*loaded)["annotations"], 1);

  auto project = *store.get(Kind::kProject, kProject);
  EXPECT_EQ(project["url"], std::string(kBase) + "/projects/" + kProject);
  EXPECT_EQ(project["role"], "owner");
  auto driver = *store.get(Kind::kDriver, "6600000000000000000000d1");
  EXPECT_EQ(driver["allowExternalDelete"], false);
  EXPECT_EQ(driver["bucketName"], "b");
  EXPECT_FALSE(driver.contains("payload"));
  EXPECT_EQ(store.list_drivers(kProject).size(), 1u);
  EXPECT_EQ(store.list_drivers("660000000000000000000000").size(), 0u);
  auto dataset = *store.get(Kind::kDataset, kDataset);
  EXPECT_TRUE(dataset["metadata"]["system"]["recipes"].is_array());
  EXPECT_EQ(dataset["itemsCount"], 2);
  EXPECT_EQ(dataset["annotationsCount"], 1);

  auto c = *store.get(Kind::kItem, item_id(1));
  EXPECT_EQ(c["dir"], "/a/b");
  EXPECT_EQ(c["name"], "c.jpg");
  EXPECT_EQ(c["datasetId"], kDataset);
  EXPECT_EQ(c["projectId"], kProject);
  EXPECT_EQ(c["stream"], std::string(kBase) + "/items/" + item_id(1) + "/stream");
  EXPECT_EQ(c["annotationsCount"], 1);
  EXPECT_EQ(c["annotated"], true);
  EXPECT_EQ(c["spec"], "MasterItemSpec");
  auto y = *store.get(Kind::kItem, item_id(2));
  EXPECT_EQ(y["filename"], "/x/y.png");
  EXPECT_EQ(y["annotationsCount"], 7);  // the platform's count, served verbatim
  EXPECT_EQ(y["annotated"], "discarded");
  EXPECT_EQ(y["url"], "https://gate.dataloop.ai/api/v1/items/x");  // given values stay
  EXPECT_EQ(y["metadata"], (Json{{"user", {{"k", 1}}}}));          // metadata untouched

  auto annotations = store.query(kDataset, annotations_query(item_id(1)));
  ASSERT_EQ(annotations->items.size(), 1u);
  const Json& a = annotations->items[0];
  for (const char* key : {"id", "creator", "createdAt", "updatedBy", "updatedAt", "item", "dataset",
                          "datasetId", "itemId"}) {
    EXPECT_TRUE(a.contains(key)) << key;
  }
  EXPECT_EQ(store.get(Kind::kService, "660000000000000000000017")->at("url"),
            std::string(kBase) + "/services/660000000000000000000017");
  EXPECT_EQ(store.get(Kind::kCommand, "6600000000000000000000cc")->at("status"), "in-progress");
  EXPECT_EQ(store.check_credentials("u@example.com", "pw"), "u@example.com");
  EXPECT_FALSE(store.check_credentials("u@example.com", "bad").has_value());
  EXPECT_EQ(store.user_for_refresh_token("rt"), "u@example.com");
  std::string issued = store.issue_refresh_token("u@example.com");
  EXPECT_EQ(store.user_for_refresh_token(issued), "u@example.com");
  EXPECT_FALSE(store.user_for_refresh_token("nope").has_value());
  EXPECT_EQ(store.get(Kind::kPipeline, "x").error().code(), StatusCode::kNotFound);
}

TEST(StoreFixtures, RejectsUnknownReferences) {
  Store store(kBase, nullptr);
  auto no_ds = store.load_fixture(
      {{"items", {{{"id", item_id(1)}, {"datasetId", kDataset}, {"filename", "/a"}}}}});
  ASSERT_FALSE(no_ds.has_value());
  EXPECT_EQ(no_ds.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_ds.error().message().find("datasetId"), std::string::npos);
  auto no_item = store.load_fixture({{"annotations", {{{"itemId", item_id(9)}}}}});
  ASSERT_FALSE(no_item.has_value());
  EXPECT_NE(no_item.error().message().find("itemId"), std::string::npos);
  auto no_driver = store.load_fixture(
      {{"datasets", {{{"id", kDataset}, {"driver", "6600000000000000000000ff"}}}}});
  ASSERT_FALSE(no_driver.has_value());
  EXPECT_NE(no_driver.error().message().find("driver"), std::string::npos);
  // A non-id driver value means the platform's default storage (as in the recordings).
  EXPECT_TRUE(
      store.load_fixture({{"datasets", {{{"id", kDataset}, {"driver", "default-driver-id"}}}}})
          .has_value());
}

TEST(StoreFixtures, GoldenItemsAndAnnotationsAreServedUnchanged) {
  const fs::path golden = testing::shared_dir() / "dataloop" / "golden";
  if (!fs::exists(golden)) GTEST_SKIP() << "no golden vectors at " << golden;
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(golden)) {
    if (!fs::exists(entry.path() / "item.json")) continue;
    Json item = Json::parse(read_file(entry.path() / "item.json"));
    Json anns = Json::parse(read_file(entry.path() / "annotations.json"));
    Store store(kBase, nullptr);
    Json fixture = {{"datasets", {{{"id", item["datasetId"]}, {"name", "golden"}}}},
                    {"items", {item}},
                    {"annotations", anns}};
    auto loaded = store.load_fixture(fixture);
    ASSERT_TRUE(loaded.has_value()) << entry.path() << ": " << loaded.status().to_string();
    Json served_item = *store.get(Kind::kItem, item["id"].get<std::string>());
    for (const char* added : {"projectId", "srcDataset"}) {  // filled in; the SDK drops both
      if (!item.contains(added)) served_item.erase(added);
    }
    EXPECT_EQ(served_item, item) << entry.path();
    Json q = {{"filter", {{"itemId", item["id"]}}}, {"resource", "annotations"}};
    auto served = store.query(item["datasetId"].get<std::string>(), q);
    ASSERT_TRUE(served.has_value());
    EXPECT_EQ(Json(served->items), anns) << entry.path();
    ++cases;
  }
  EXPECT_GT(cases, 50);
}

TEST(StoreIds, NewIdsSortAfterFixtureIds) {
  Store store(kBase, nullptr);
  ASSERT_TRUE(
      store.load_fixture({{"projects", {{{"id", "6700000000000000000000ff"}}}}}).has_value());
  std::string previous = "6700000000000000000000ff";
  for (int i = 0; i < 100; ++i) {
    std::string id = store.new_id();
    ASSERT_EQ(id.size(), 24u);
    EXPECT_GT(id, previous);
    previous = id;
  }
  auto hook = store.create_webhook({{"name", "export-hook"},
                                    {"httpMethod", "POST"},
                                    {"hookUrl", "https://x"},
                                    {"project", kProject}},
                                   "probe-user@example.com");
  ASSERT_TRUE(hook.has_value());
  EXPECT_GT((*hook)["id"].get<std::string>(), previous);
  std::vector<std::string> keys;
  for (auto it = hook->begin(); it != hook->end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"name", "httpMethod", "hookUrl", "project", "id", "url",
                                            "createdAt", "updatedAt", "creator"}));
  EXPECT_EQ((*hook)["creator"], "probe-user@example.com");
  auto trigger = store.create_trigger({{"type", "Event"}, {"name", "t"}}, "u@x");
  ASSERT_TRUE(trigger.has_value());
  EXPECT_EQ(store.get(Kind::kTrigger, (*trigger)["id"].get<std::string>())->at("name"), "t");
  EXPECT_EQ(store.get(Kind::kWebhook, (*hook)["id"].get<std::string>())->at("hookUrl"),
            "https://x");
}

}  // namespace
}  // namespace dlexport::emulator
