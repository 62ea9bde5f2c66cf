#include "emulator/dql.h"

#include <gtest/gtest.h>

namespace dlexport::emulator {
namespace {

Json item() {
  return Json::parse(R"({
    "id": "660000000000000000000010", "filename": "/bulk/sub/f0001.jpg", "dir": "/bulk/sub",
    "name": "f0001.jpg", "type": "file", "hidden": false, "annotationsCount": 3,
    "createdAt": "2025-01-01T10:00:00.000Z", "tags": ["a", "b"], "note": null,
    "metadata": {"system": {"exportSolution": true, "size": 1234}, "user": {"batch": 7}}
  })");
}

bool matches(const std::string& filter_text) {
  auto filter = Filter::compile(Json::parse(filter_text));
  EXPECT_TRUE(filter.has_value()) << filter_text << ": " << filter.status().to_string();
  if (!filter) return false;
  Json doc = item();
  return filter->matches(JsonDocument(doc));
}

TEST(Dql, EmptyAndNullFiltersMatchEverything) {
  EXPECT_TRUE(matches("{}"));
  EXPECT_TRUE(matches("null"));
  EXPECT_TRUE(matches(R"({"$and": []})"));
}

TEST(Dql, EqualityAndImplicitAnd) {
  EXPECT_TRUE(matches(R"({"type": "file", "hidden": false})"));
  EXPECT_FALSE(matches(R"({"type": "file", "hidden": true})"));
  EXPECT_TRUE(matches(R"({"$and": [{"hidden": false}, {"type": "file"}]})"));
  EXPECT_FALSE(matches(R"({"$and": [{"hidden": false}, {"type": "dir"}]})"));
  EXPECT_TRUE(matches(R"({"annotationsCount": 3.0})"));  // numbers compare numerically
}

TEST(Dql, Or) {
  EXPECT_TRUE(matches(R"({"$or": [{"type": "dir"}, {"name": "f0001.jpg"}]})"));
  EXPECT_FALSE(matches(R"({"$or": [{"type": "dir"}, {"name": "x"}]})"));
  EXPECT_FALSE(matches(R"({"$or": []})"));
  EXPECT_TRUE(
      matches(R"({"$and": [{"type": "file"}], "$or": [{"hidden": true}, {"dir": "/bulk/sub"}]})"));
}

TEST(Dql, DottedFields) {
  EXPECT_TRUE(matches(R"({"metadata.system.exportSolution": true})"));
  EXPECT_TRUE(matches(R"({"metadata.user.batch": 7})"));
  EXPECT_FALSE(matches(R"({"metadata.user.batch": 8})"));
  EXPECT_FALSE(matches(R"({"metadata.user.missing": 1})"));
  EXPECT_TRUE(matches(R"({"metadata.user.missing": null})"));  // missing equals null
}

TEST(Dql, Operators) {
  EXPECT_TRUE(matches(R"({"type": {"$eq": "file"}})"));
  EXPECT_TRUE(matches(R"({"type": {"$ne": "dir"}})"));
  EXPECT_FALSE(matches(R"({"type": {"$ne": "file"}})"));
  EXPECT_TRUE(matches(R"({"annotationsCount": {"$gt": 2, "$lt": 4}})"));
  EXPECT_FALSE(matches(R"({"annotationsCount": {"$gt": 3}})"));
  EXPECT_TRUE(matches(R"({"annotationsCount": {"$gte": 3, "$lte": 3}})"));
  EXPECT_TRUE(matches(R"({"id": {"$gt": "66000000000000000000000f"}})"));
  EXPECT_FALSE(matches(R"({"id": {"$gt": "660000000000000000000010"}})"));
  EXPECT_TRUE(matches(R"({"id": {"$gte": "660000000000000000000010"}})"));
  EXPECT_TRUE(matches(R"({"createdAt": {"$lt": "2025-01-02T00:00:00.000Z"}})"));
  EXPECT_FALSE(matches(R"({"annotationsCount": {"$gt": "2"}})"));  // mixed kinds never match
  EXPECT_TRUE(matches(R"({"type": {"$in": ["dir", "file"]}})"));
  EXPECT_FALSE(matches(R"({"type": {"$in": ["dir"]}})"));
  EXPECT_TRUE(matches(R"({"type": {"$nin": ["dir"]}})"));
  EXPECT_FALSE(matches(R"({"type": {"$nin": ["file"]}})"));
  EXPECT_TRUE(matches(R"({"annotationsCount": {"$in": [1, 3]}})"));
}

TEST(Dql, Exists) {
  EXPECT_TRUE(matches(R"({"metadata.user": {"$exists": true}})"));
  EXPECT_FALSE(matches(R"({"metadata.other": {"$exists": true}})"));
  EXPECT_TRUE(matches(R"({"metadata.other": {"$exists": false}})"));
  EXPECT_TRUE(matches(R"({"note": {"$exists": true}})"));  // a present null exists
}

TEST(Dql, ArraysMeanContains) {
  EXPECT_TRUE(matches(R"({"tags": "a"})"));
  EXPECT_FALSE(matches(R"({"tags": "c"})"));
  EXPECT_TRUE(matches(R"({"tags": {"$in": ["c", "b"]}})"));
  EXPECT_TRUE(matches(R"({"tags": {"$ne": "c"}})"));
  EXPECT_FALSE(matches(R"({"tags": {"$ne": "a"}})"));
  EXPECT_TRUE(matches(R"({"tags": ["a", "b"]})"));
}

TEST(Dql, GlobsOnFilenameAndDir) {
  EXPECT_TRUE(matches(R"({"filename": "/bulk/**"})"));
  EXPECT_FALSE(matches(R"({"filename": "/bulk/*"})"));  // '*' stays within one segment
  EXPECT_TRUE(matches(R"({"filename": "/bulk/*/*.jpg"})"));
  EXPECT_TRUE(matches(R"({"filename": "/bulk/sub/f000?.jpg"})"));
  EXPECT_FALSE(matches(R"({"filename": "/other/**"})"));
  EXPECT_TRUE(matches(R"({"dir": "/bulk/**"})"));
  EXPECT_TRUE(matches(R"({"dir": "/bulk/sub/**"})"));  // "/a/**" also matches "/a"
  EXPECT_TRUE(matches(R"({"filename": {"$in": ["/x", "/bulk/**"]}})"));
  EXPECT_FALSE(matches(R"({"name": "f*.jpg"})"));  // no globbing outside filename/dir
  EXPECT_TRUE(matches(R"({"name": {"$match": "f*.jpg"}})"));
  EXPECT_FALSE(matches(R"({"name": {"$match": "g*"}})"));
}

TEST(Dql, GlobMatch) {
  EXPECT_TRUE(glob_match("/bulk/**", "/bulk/a/b/c"));
  EXPECT_TRUE(glob_match("/bulk/**", "/bulk"));
  EXPECT_FALSE(glob_match("/bulk/**", "/bulkier/x"));
  EXPECT_TRUE(glob_match("/**", "/anything/at/all"));
  EXPECT_TRUE(glob_match("*.json", "a.json"));
  EXPECT_FALSE(glob_match("*.json", "d/a.json"));
  EXPECT_FALSE(glob_match("?", "/"));
}

TEST(Dql, UnknownOperatorIsInvalidArgumentNamingIt) {
  auto f = Filter::compile(Json::parse(R"({"type": {"$regex": "x"}})"));
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(f.error().message().find("$regex"), std::string::npos);
  auto g = Filter::compile(Json::parse(R"({"$nor": []})"));
  ASSERT_FALSE(g.has_value());
  EXPECT_NE(g.error().message().find("$nor"), std::string::npos);
  auto h = Filter::compile(Json::parse(R"({"$and": {"a": 1}})"));
  ASSERT_FALSE(h.has_value());
  EXPECT_EQ(h.error().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(Filter::compile(Json::parse(R"({"a": {"$in": 3}})")).has_value());
  EXPECT_FALSE(Filter::compile(Json::parse(R"({"a": {"$exists": 1}})")).has_value());
}

TEST(Dql, PlanningHints) {
  auto f = Filter::compile(Json::parse(
      R"({"$and": [{"type": {"$in": ["box"]}}, {"itemId": {"$in": ["b", "a"]}},
                   {"id": {"$gt": "66000000000000000000000a"}}]})"));
  ASSERT_TRUE(f.has_value());
  ASSERT_TRUE(f->id_lower_bound().has_value());
  EXPECT_EQ(f->id_lower_bound()->id, "66000000000000000000000a");
  EXPECT_FALSE(f->id_lower_bound()->inclusive);
  ASSERT_TRUE(f->item_ids().has_value());
  EXPECT_EQ(*f->item_ids(), (std::vector<std::string>{"a", "b"}));
  // Conditions under $or are not necessary conditions: no hints.
  auto g = Filter::compile(Json::parse(R"({"$or": [{"itemId": "a"}, {"id": {"$gt": "x"}}]})"));
  ASSERT_TRUE(g.has_value());
  EXPECT_FALSE(g->item_ids().has_value());
  EXPECT_FALSE(g->id_lower_bound().has_value());
}

TEST(Dql, SortAndPageParsing) {
  auto s = parse_sort(Json::parse(R"({"sort": {"createdAt": "descending"}})"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->field.full, "createdAt");
  EXPECT_TRUE(s->descending);
  EXPECT_TRUE(parse_sort(Json::parse(R"({"sort": {"id": -1}})"))->descending);
  EXPECT_FALSE(parse_sort(Json::parse(R"({})"))->descending);
  EXPECT_FALSE(parse_sort(Json::parse(R"({"sort": {"id": "sideways"}})")).has_value());
  auto p = parse_page(Json::parse(R"({"page": 2, "pageSize": 500})"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->page, 2);
  EXPECT_EQ(p->page_size, 500);
  EXPECT_EQ(parse_page(Json::object())->page_size, 1000);
  EXPECT_FALSE(parse_page(Json::parse(R"({"pageSize": 0})")).has_value());
  EXPECT_FALSE(parse_page(Json::parse(R"({"pageSize": -5})")).has_value());
  EXPECT_FALSE(parse_page(Json::parse(R"({"pageSize": 1001})")).has_value());
  EXPECT_FALSE(parse_page(Json::parse(R"({"page": -1})")).has_value());
}

}  // namespace
}  // namespace dlexport::emulator
