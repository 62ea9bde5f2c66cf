#include "server/requests.h"

#include <gtest/gtest.h>

namespace dlexport::server {
namespace {

const std::string kDriver = "6600000000000000000000d1";
const std::string kA = "aaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kB = "bbbbbbbbbbbbbbbbbbbbbbbb";
const std::string kC = "0123456789abcdefABCDEF01";

TEST(ObjectIdTest, ExactlyTwentyFourHexDigits) {
  EXPECT_TRUE(is_object_id(kA));
  EXPECT_TRUE(is_object_id(kC));
  EXPECT_FALSE(is_object_id(""));
  EXPECT_FALSE(is_object_id(kA.substr(1)));
  EXPECT_FALSE(is_object_id(kA + "a"));
  EXPECT_FALSE(is_object_id("gaaaaaaaaaaaaaaaaaaaaaaa"));
  EXPECT_FALSE(is_object_id("../aaaaaaaaaaaaaaaaaaaaa"));
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equals("secret", "secret"));
  EXPECT_FALSE(constant_time_equals("secret", "secreT"));
  EXPECT_FALSE(constant_time_equals("secret", "secret2"));
  EXPECT_FALSE(constant_time_equals("", "x"));
  EXPECT_TRUE(constant_time_equals("", ""));
}

TEST(ExportRequestTest, ItemIds) {
  auto r = parse_export_request(R"({"driver_id":")" + kDriver + R"(","item_ids":[")" + kA +
                                R"(",")" + kB + R"(",")" + kA + R"("]})");
  ASSERT_TRUE(r.has_value()) << r.status().to_string();
  EXPECT_EQ(r->driver_id, kDriver);
  EXPECT_EQ(r->item_ids, (std::vector<std::string>{kA, kB}));
  EXPECT_TRUE(r->dataset_id.empty());
}

TEST(ExportRequestTest, DatasetAndQuery) {
  auto r = parse_export_request(R"({"driver_id":")" + kDriver + R"(","dataset_id":")" + kA +
                                R"(","query":{"dir":"/incoming"}})");
  ASSERT_TRUE(r.has_value()) << r.status().to_string();
  EXPECT_EQ(r->dataset_id, kA);
  EXPECT_EQ(r->query, Json({{"dir", "/incoming"}}));
  auto no_query =
      parse_export_request(R"({"driver_id":")" + kDriver + R"(","dataset_id":")" + kA + R"("})");
  ASSERT_TRUE(no_query.has_value());
  EXPECT_TRUE(no_query->query.empty());
}

struct BadInput {
  std::string body;
  std::string message;  // a substring of the error
};

class BadExportRequestTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadExportRequestTest, IsRejectedWithAnInvalidArgumentNamingTheProblem) {
  auto r = parse_export_request(GetParam().body);
  ASSERT_FALSE(r.has_value()) << GetParam().body;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(GetParam().message), std::string::npos)
      << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadExportRequestTest,
    ::testing::Values(
        BadInput{"", "not valid JSON"}, BadInput{"{", "not valid JSON"},
        BadInput{"[]", "JSON object"}, BadInput{R"("x")", "JSON object"},
        BadInput{R"({"item_ids":[")" + kA + R"("]})", "missing field \"driver_id\""},
        BadInput{R"({"driver_id":"nothex","item_ids":[")" + kA + R"("]})", "\"driver_id\""},
        BadInput{R"({"driver_id":")" + kDriver + R"(","item_ids":[")" + kA + R"("],"force":1})",
                 "unknown field \"force\""},
        BadInput{R"({"driver_id":")" + kDriver + R"("})", "exactly one"},
        BadInput{R"({"driver_id":")" + kDriver + R"(","item_ids":[")" + kA +
                     R"("],"dataset_id":")" + kB + R"("})",
                 "exactly one"},
        BadInput{R"({"driver_id":")" + kDriver + R"(","item_ids":[]})", "non-empty"},
        BadInput{R"({"driver_id":")" + kDriver + R"(","item_ids":")" + kA + R"("})", "non-empty"},
        BadInput{R"({"driver_id":")" + kDriver + R"(","item_ids":["abc"]})", "24-hex"},
        BadInput{R"({"driver_id":")" + kDriver + R"(","item_ids":[12]})", "24-hex"},
        BadInput{R"({"driver_id":")" + kDriver + R"(","item_ids":[")" + kA + R"("],"query":{}})",
                 "\"query\" goes with"},
        BadInput{
            R"({"driver_id":")" + kDriver + R"(","dataset_id":")" + kA + R"(","query":"dir=/a"})",
            "JSON object"},
        BadInput{R"({"driver_id":")" + kDriver + R"(","dataset_id":"x"})", "\"dataset_id\""}));

TEST(RedriveRequestTest, AllOrIds) {
  auto all = parse_redrive_request(R"({"all":true})");
  ASSERT_TRUE(all.has_value());
  EXPECT_TRUE(all->all);
  auto ids = parse_redrive_request(R"({"job_ids":[3,4]})");
  ASSERT_TRUE(ids.has_value());
  EXPECT_EQ(ids->job_ids, (std::vector<std::int64_t>{3, 4}));
  for (const char* bad :
       {"{}", R"({"all":false})", R"({"all":"yes"})", R"({"job_ids":[]})", R"({"job_ids":["3"]})",
        R"({"job_ids":[0]})", R"({"all":true,"x":1})", R"({"all":true,"job_ids":[1]})", "nope"}) {
    EXPECT_EQ(parse_redrive_request(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

struct WebhookShape {
  std::string name;
  std::string body;
  std::vector<std::string> ids;
};

class WebhookShapeTest : public ::testing::TestWithParam<WebhookShape> {};

TEST_P(WebhookShapeTest, FindsTheItemIds) {
  auto ids = extract_webhook_item_ids(GetParam().body);
  ASSERT_TRUE(ids.has_value()) << ids.status().to_string();
  EXPECT_EQ(*ids, GetParam().ids);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, WebhookShapeTest,
    ::testing::Values(
        WebhookShape{"id", R"({"id":")" + kA + R"(","name":"a.jpg"})", {kA}},
        WebhookShape{"itemId", R"({"itemId":")" + kA + R"(","id":"evt-1"})", {kA}},
        WebhookShape{"resourceId",
                     R"({"resource":"Item","action":"Updated","resourceId":")" + kA + R"("})",
                     {kA}},
        WebhookShape{"item_id", R"({"item":{"id":")" + kA + R"(","dir":"/"}})", {kA}},
        WebhookShape{"body_id", R"({"action":"Created","body":{"id":")" + kA + R"("}})", {kA}},
        WebhookShape{"id_list", R"({"id":[")" + kA + R"(",")" + kB + R"("]})", {kA, kB}},
        WebhookShape{"itemId_list", R"({"itemId":[")" + kB + R"(",")" + kA + R"("]})", {kB, kA}},
        WebhookShape{
            "item_list", R"({"item":[{"id":")" + kA + R"("},{"id":")" + kB + R"("}]})", {kA, kB}},
        WebhookShape{
            "event_list",
            R"([{"id":")" + kA + R"("},{"itemId":")" + kB + R"("},{"resourceId":")" + kA + R"("}])",
            {kA, kB}},
        WebhookShape{"annotation_event",
                     R"({"resource":"Annotation","resourceId":")" + kC + R"(","body":{"id":")" +
                         kC + R"(","itemId":")" + kB + R"("}})",
                     {kB}}),
    [](const ::testing::TestParamInfo<WebhookShape>& param) { return param.param.name; });

TEST(WebhookShapeTest, UnknownShapesAndBadIdsAreInvalidArguments) {
  for (const std::string& bad :
       {std::string("not json"), std::string("{}"), std::string("[]"), std::string("42"),
        std::string(R"({"name":"a.jpg"})"), std::string(R"({"id":"short"})"),
        std::string(R"({"id":[]})"), std::string(R"({"id":12345})"),
        std::string(R"([{"id":")" + kA + R"("},{"other":1}])"),
        std::string(R"({"resource":"Dataset","resourceId":")" + kA + R"("})"),
        std::string(R"({"item":{"name":"x"}})")}) {
    auto ids = extract_webhook_item_ids(bad);
    EXPECT_FALSE(ids.has_value()) << bad;
    EXPECT_EQ(ids.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ListenAddressTest, HostAndPort) {
  auto v4 = parse_listen_address("127.0.0.1:8080");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  auto v6 = parse_listen_address("[::1]:0");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  for (const char* bad : {"", "8080", ":8080", "host:", "host:x", "host:70000", "[::1]8080"}) {
    EXPECT_FALSE(parse_listen_address(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace dlexport::server
