#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "tests/dataloop/fixture.h"

namespace dlexport::dataloop {
namespace {

using http::testing::json_response;
using http::testing::text_response;
using testing::body_json;
using testing::ClientFixture;

std::string object_id(int n) {
  char buffer[25];
  std::snprintf(buffer, sizeof buffer, "66%022x", n);
  return buffer;
}

// A DQL server over a fixed, id-sorted list: honours {"id": {"$gt"}}, itemId equality / $in,
// pageSize. `sloppy_has_next` answers hasNextPage = (page is full) like a lazy server would.
struct QueryServer {
  std::vector<Json> entities;
  bool sloppy_has_next = false;

  Result<http::Response> operator()(const http::Request& request) const {
    const Json body = body_json(request);
    std::string after;
    std::set<std::string> item_ids;
    bool filter_items = false;
    for (const auto& condition : body["filter"]["$and"]) {
      if (condition.contains("id")) after = condition["id"]["$gt"].get<std::string>();
      if (condition.contains("itemId")) {
        filter_items = true;
        const Json& value = condition["itemId"];
        if (value.is_string()) {
          item_ids.insert(value.get<std::string>());
        } else {
          for (const auto& id : value["$in"]) item_ids.insert(id.get<std::string>());
        }
      }
    }
    const auto page_size = body["pageSize"].get<std::size_t>();
    Json items = Json::array();
    std::size_t matching = 0;
    for (const auto& entity : entities) {
      if (!after.empty() && entity["id"].get<std::string>() <= after) continue;
      if (filter_items && !item_ids.count(entity["itemId"].get<std::string>())) continue;
      ++matching;
      if (items.size() < page_size) items.push_back(entity);
    }
    const bool has_next = sloppy_has_next ? items.size() == page_size : matching > page_size;
    return json_response(
        200, testing::page(std::move(items), has_next, static_cast<std::int64_t>(matching)));
  }
};

std::vector<Json> make_items(int n) {
  std::vector<Json> items;
  for (int i = 1; i <= n; ++i) items.push_back(testing::item_json(object_id(i)));
  return items;
}

std::vector<Json> make_annotations(int n, const std::vector<std::string>& item_ids) {
  std::vector<Json> annotations;
  for (int i = 1; i <= n; ++i) {
    annotations.push_back(Json{{"id", object_id(100000 + i)},
                               {"itemId", item_ids[static_cast<std::size_t>(i) % item_ids.size()]},
                               {"type", "box"}});
  }
  return annotations;
}

class PagingTest : public ClientFixture {
 protected:
  std::vector<Item> drain(ItemPager& pager, std::vector<std::size_t>* page_sizes = nullptr) {
    std::vector<Item> all;
    while (!pager.done()) {
      auto page = pager.next();
      EXPECT_TRUE(page.has_value()) << page.status().to_string();
      if (!page.has_value()) break;
      if (page_sizes) page_sizes->push_back(page->size());
      for (auto& item : *page) all.push_back(std::move(item));
    }
    return all;
  }
};

TEST_F(PagingTest, ItemsKeysetBodiesMatchSpec) {
  fake_->set_handler(QueryServer{make_items(2500)});
  ItemPager pager = client().query_items("ds1");
  std::vector<std::size_t> sizes;
  auto all = drain(pager, &sizes);
  EXPECT_EQ(all.size(), 2500u);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1000, 1000, 500}));
  auto requests = fake_->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(body_json(requests[0]), Json::parse(R"({"filter":{"$and":[{"hidden":false},
      {"type":"file"}]},"sort":{"id":"ascending"},"page":0,"pageSize":1000,"resource":"items"})"));
  const Json second = body_json(requests[1]);
  EXPECT_EQ(second["page"], 0);
  EXPECT_EQ(second["filter"]["$and"].back(), (Json{{"id", Json{{"$gt", object_id(1000)}}}}));
  EXPECT_EQ(second["filter"]["$and"].size(), 3u);  // the $gt condition replaces, not accumulates
  EXPECT_EQ(body_json(requests[2])["filter"]["$and"].size(), 3u);
  // Ids come back strictly ascending with no duplicates.
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].id, all[i].id);
}

TEST_F(PagingTest, ListedItemsKeepTheirJsonExactlyAfterThePagerIsGone) {
  // Items are nodes of their listing page's document, which they keep alive.
  fake_->enqueue(
      text_response(200, R"({"items": [{"id": "a1", "datasetId": "d1", "name": "x.jpg", "dir": "/",
                          "metadata": {"user": {"serial": 123456789012345678901234567890,
                                                "note": "caf\u00e9 \"q\""}}},
                         {"id": "a2", "datasetId": "d1", "name": "y.jpg", "dir": "/s"}],
               "hasNextPage": false, "totalItemsCount": 2})"));
  std::vector<Item> all;
  {
    ItemPager pager = client().query_items("ds1");
    all = drain(pager);
  }
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "a1");
  EXPECT_EQ(all[1].dir, "/s");
  const Json first = to_json(*all[0].raw);
  EXPECT_TRUE(is_big_int(first["metadata"]["user"]["serial"]));
  EXPECT_EQ(first["metadata"]["user"]["note"], "caf\xC3\xA9 \"q\"");
  EXPECT_EQ(to_json(*all[1].raw), Json::parse(R"({"id": "a2", "datasetId": "d1", "name": "y.jpg",
                                                  "dir": "/s"})"));
}

TEST_F(PagingTest, ExactPageBoundaryHonestServer) {
  fake_->set_handler(QueryServer{make_items(2000)});
  ItemPager pager = client().query_items("ds1");
  EXPECT_EQ(drain(pager).size(), 2000u);
  EXPECT_EQ(fake_->request_count(), 2u);
}

TEST_F(PagingTest, ExactPageBoundarySloppyServerStopsOnEmptyPage) {
  fake_->set_handler(QueryServer{make_items(2000), /*sloppy_has_next=*/true});
  ItemPager pager = client().query_items("ds1");
  EXPECT_EQ(drain(pager).size(), 2000u);
  EXPECT_EQ(fake_->request_count(), 3u);
}

TEST_F(PagingTest, EmptyDataset) {
  fake_->set_handler(QueryServer{});
  ItemPager pager = client().query_items("ds1");
  auto page = pager.next();
  ASSERT_TRUE(page.has_value());
  EXPECT_TRUE(page->empty());
  EXPECT_TRUE(pager.done());
  auto again = pager.next();  // done pagers answer empty without a request
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(fake_->request_count(), 1u);
}

TEST_F(PagingTest, ServerClaimingMorePagesWithEmptyPagesStops) {
  fake_->set_handler([](const http::Request&) -> Result<http::Response> {
    return json_response(200, testing::page(Json::array(), true, 5));
  });
  ItemPager pager = client().query_items("ds1");
  EXPECT_TRUE(drain(pager).empty());
  EXPECT_EQ(fake_->request_count(), 1u);
}

TEST_F(PagingTest, ServerIgnoringKeysetConditionIsAnError) {
  const auto items = make_items(3);
  fake_->set_handler([&](const http::Request&) -> Result<http::Response> {
    return json_response(200, testing::page(Json(items), true));
  });
  ItemPager pager = client().query_items("ds1");
  ASSERT_TRUE(pager.next().has_value());
  auto second = pager.next();
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.status().code(), StatusCode::kInternal);
  EXPECT_EQ(fake_->request_count(), 2u);
}

TEST_F(PagingTest, BadRequestIsNotSwallowed) {
  fake_->enqueue(json_response(400, Json{{"message", "bad filter"}}));
  ItemPager pager = client().query_items("ds1");
  auto page = pager.next();
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(pager.done());
}

TEST_F(PagingTest, FailedPageCanBeRetriedWithoutSkipping) {
  QueryServer server{make_items(1500)};
  int calls = 0;
  fake_->set_handler([&](const http::Request& request) -> Result<http::Response> {
    if (++calls == 2) return Status(StatusCode::kUnavailable, "reset");
    return server(request);
  });
  ItemPager pager = client().query_items("ds1");
  ASSERT_EQ(pager.next()->size(), 1000u);
  EXPECT_EQ(pager.next().status().code(), StatusCode::kUnavailable);
  auto retried = pager.next();
  ASSERT_TRUE(retried.has_value());
  ASSERT_EQ(retried->size(), 500u);
  EXPECT_EQ(retried->front().id, object_id(1001));
  EXPECT_TRUE(pager.done());
}

TEST_F(PagingTest, ItemFilterConditionsAppended) {
  fake_->set_handler(QueryServer{});
  ItemFilter filter;
  filter.conditions = Json::array({Json{{"dir", "/bulk"}}});
  ItemPager pager = client().query_items("ds1", filter);
  ASSERT_TRUE(pager.next().has_value());
  EXPECT_EQ(body_json(only_request())["filter"],
            Json::parse(R"({"$and":[{"hidden":false},{"type":"file"},{"dir":"/bulk"}]})"));
}

TEST_F(PagingTest, ThousandOneHundredFiftyAnnotationsOnOneItem) {
  fake_->set_handler(QueryServer{make_annotations(1150, {"item-1"})});
  auto annotations = client().list_annotations("ds1", "item-1", AnnotationTypes::kExportable);
  ASSERT_TRUE(annotations.has_value()) << annotations.status().to_string();
  EXPECT_EQ(annotations->size(), 1150u);
  auto requests = fake_->requests();
  ASSERT_EQ(requests.size(), 2u);
  const Json first = body_json(requests[0]);
  EXPECT_EQ(first["resource"], "annotations");
  EXPECT_EQ(first["filter"]["$and"][0]["type"]["$in"].size(), 18u);
  EXPECT_EQ(first["filter"]["$and"][1], (Json{{"itemId", "item-1"}}));
  EXPECT_EQ(body_json(requests[1])["filter"]["$and"][2],
            (Json{{"id", Json{{"$gt", object_id(101000)}}}}));
}

TEST_F(PagingTest, AllTypesDropsTypeCondition) {
  fake_->set_handler(QueryServer{});
  ASSERT_TRUE(client().list_annotations("ds1", "item-1", AnnotationTypes::kAll).has_value());
  EXPECT_EQ(body_json(only_request())["filter"], Json::parse(R"({"$and":[{"itemId":"item-1"}]})"));
}

TEST_F(PagingTest, BatchedAnnotationsChunkAndGroup) {
  std::vector<std::string> ids;
  for (int i = 0; i < 250; ++i) ids.push_back("item-" + std::to_string(i));
  ids.push_back("item-0");  // duplicates are asked for once
  const auto annotations =
      make_annotations(2400, std::vector<std::string>(ids.begin(), ids.end() - 1));
  fake_->set_handler(QueryServer{annotations});
  options_.annotation_batch_size = 100;
  auto grouped = client().list_annotations_batch("ds1", ids, AnnotationTypes::kExportable);
  ASSERT_TRUE(grouped.has_value()) << grouped.status().to_string();
  EXPECT_EQ(grouped->size(), 250u);
  std::size_t total = 0;
  for (const auto& [id, list] : *grouped) {
    for (const auto& annotation : list) EXPECT_EQ(annotation["itemId"], id);
    total += list.size();
  }
  EXPECT_EQ(total, 2400u);
  std::size_t in_sizes = 0;
  for (const auto& request : fake_->requests()) {
    const Json body = body_json(request);
    const Json& in = body["filter"]["$and"][1]["itemId"]["$in"];
    EXPECT_LE(in.size(), 100u);
    if (body["filter"]["$and"].size() == 2) in_sizes += in.size();
  }
  EXPECT_EQ(in_sizes, 250u);  // each id in exactly one first-page query
}

TEST_F(PagingTest, BatchedAnnotationsEveryIdPresentEvenWithoutAnnotations) {
  fake_->set_handler(QueryServer{});
  auto grouped =
      client().list_annotations_batch("ds1", {"a", "b", "c"}, AnnotationTypes::kExportable);
  ASSERT_TRUE(grouped.has_value());
  EXPECT_EQ(grouped->size(), 3u);
  for (const auto& [id, list] : *grouped) EXPECT_TRUE(list.empty()) << id;
  EXPECT_EQ(fake_->request_count(), 1u);
}

TEST_F(PagingTest, BatchedAnnotationsFailureIsReported) {
  fake_->enqueue(json_response(400, Json{{"message", "$in too long"}}));
  auto grouped = client().list_annotations_batch("ds1", {"a"}, AnnotationTypes::kAll);
  ASSERT_FALSE(grouped.has_value());
  EXPECT_EQ(grouped.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PagingTest, EmptyIdListSendsNothing) {
  auto grouped = client().list_annotations_batch("ds1", {}, AnnotationTypes::kAll);
  ASSERT_TRUE(grouped.has_value());
  EXPECT_TRUE(grouped->empty());
  EXPECT_EQ(fake_->request_count(), 0u);
}

}  // namespace
}  // namespace dlexport::dataloop
