// The dataset watcher against the real Dataloop client over a FakeHttpClient that plays a small
// dataset (keyset paging, updatedAt conditions, equality filters).

#include "worker/dataset_watcher.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "dataloop/client.h"
#include "http/testing/fake_http_client.h"
#include "queue/sqlite/sqlite_job_queue.h"
#include "tests/dataloop/test_util.h"
#include "worker/dataloop_item_source.h"

namespace dlexport::worker {
namespace {

const std::string kDataset = "6600000000000000000000aa";
const std::string kDriver = "6600000000000000000000d1";

std::string item_id(int n) { return fmt::format("{:024x}", n); }
std::string at(int second) { return fmt::format("2025-01-01T00:00:{:02}.000Z", second); }

// A dataset served through POST /datasets/{id}/query, evaluating the conditions the watcher and
// the client send: hidden/type defaults (ignored), {"id": {"$gt"}}, {"updatedAt": {"$gte"}}, and
// equality on other fields.
class FakePlatform {
 public:
  void put(int n, int second, const std::string& dir = "/a") {
    std::lock_guard<std::mutex> lock(mu_);
    items_[item_id(n)] =
        Json{{"id", item_id(n)},           {"datasetId", kDataset}, {"dir", dir},
             {"filename", dir + "/x.jpg"}, {"name", "x.jpg"},       {"updatedAt", at(second)}};
  }
  void fail_page(int page_number) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_on_call_ = page_number;
    calls_ = 0;
  }
  std::vector<Json> filters() {
    std::lock_guard<std::mutex> lock(mu_);
    return filters_;
  }

  Result<http::Response> handle(const http::Request& request) {
    std::lock_guard<std::mutex> lock(mu_);
    if (http::testing::url_path(request.url) != "/api/v1/datasets/" + kDataset + "/query") {
      return http::testing::json_response(404, Json{{"message", "no route"}});
    }
    if (++calls_ == fail_on_call_) {
      return http::testing::json_response(503, Json{{"message", "overloaded"}});
    }
    const Json body = Json::parse(request.body);
    const Json& filter = body["filter"];
    filters_.push_back(filter);
    const auto page_size = body["pageSize"].get<std::size_t>();
    Json out = Json::array();
    bool more = false;
    for (const auto& [id, item] : items_) {
      if (!matches(filter, item)) continue;
      if (out.size() == page_size) {
        more = true;
        break;
      }
      out.push_back(item);
    }
    const auto count = out.size();
    return http::testing::json_response(200, Json{{"totalItemsCount", count},
                                                  {"items", out},
                                                  {"totalPagesCount", 1},
                                                  {"hasNextPage", more}});
  }

 private:
  static bool matches(const Json& filter, const Json& item) {
    for (const Json& condition : filter["$and"]) {
      for (const auto& [key, value] : condition.items()) {
        if (key == "hidden" || key == "type") continue;
        const std::string have = item.value(key, "");
        if (value.is_object()) {
          if (value.contains("$gt") && !(have > value["$gt"].get<std::string>())) return false;
          if (value.contains("$gte") && !(have >= value["$gte"].get<std::string>())) return false;
        } else if (have != value.get<std::string>()) {
          return false;
        }
      }
    }
    return true;
  }

  std::mutex mu_;
  std::map<std::string, Json> items_;  // sorted by id, as keyset paging needs
  std::vector<Json> filters_;
  int fail_on_call_ = 0;
  int calls_ = 0;
};

class DatasetWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("dlx-watch-{}-{}", ::getpid(), reinterpret_cast<std::uintptr_t>(this));
    queue_ = std::move(queue::open_sqlite_job_queue({.path = (dir_ / "queue.db").string()}, clock_))
                 .value();
    fake_->set_handler([this](const http::Request& r) { return platform_.handle(r); });
    dataloop::ClientOptions options;
    options.api_base_url = "http://gate.test/api/v1";
    options.token =
        dataloop::testing::make_jwt("w@example.com", clock_.now() + std::chrono::hours(1));
    options.page_size = 2;  // several pages per poll
    client_ = std::make_unique<dataloop::Client>(options, fake_, clock_);
    items_ = make_dataloop_item_source(*client_);
  }
  void TearDown() override {
    queue_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<DatasetWatcher> watcher(const std::string& filter = "") {
    config::WatchOptions w;
    w.dataset_id = kDataset;
    w.driver_id = kDriver;
    w.filter = filter;
    w.interval_ms = 3'600'000;
    auto made = DatasetWatcher::create({w}, *items_, *queue_, registry_, [this] {
      std::lock_guard<std::mutex> lock(mu_);
      ++wakes_;
      cv_.notify_all();
    });
    EXPECT_TRUE(made.has_value()) << made.status().to_string();
    return made ? std::move(made).value() : nullptr;
  }

  std::int64_t pending() { return queue_->stats().value().pending; }
  // Claims and acks everything, as workers would.
  void drain() {
    for (auto b = queue_->claim("w", 100, std::chrono::seconds(60)).value(); !b.empty();
         b = queue_->claim("w", 100, std::chrono::seconds(60)).value()) {
      std::vector<queue::JobId> ids;
      for (const auto& job : b.jobs) ids.push_back(job.id);
      ASSERT_TRUE(queue_->ack("w", ids).has_value());
    }
  }

  FakeClock clock_;
  std::filesystem::path dir_;
  metrics::Registry registry_;
  queue::JobQueuePtr queue_;
  FakePlatform platform_;
  std::shared_ptr<http::testing::FakeHttpClient> fake_ =
      std::make_shared<http::testing::FakeHttpClient>();
  std::unique_ptr<dataloop::Client> client_;
  std::unique_ptr<ItemSource> items_;
  std::mutex mu_;
  std::condition_variable cv_;
  int wakes_ = 0;
};

TEST_F(DatasetWatcherTest, FirstPollEnqueuesTheWholeDatasetAndStoresTheCursor) {
  for (int i = 1; i <= 5; ++i) platform_.put(i, 10 + i);
  auto w = watcher();
  auto polled = w->poll_once(0);
  ASSERT_TRUE(polled.has_value()) << polled.status().to_string();
  EXPECT_EQ(*polled, 5);
  EXPECT_EQ(pending(), 5);
  EXPECT_EQ(wakes_, 1);
  const auto cursor = queue_->get_cursor(watch_cursor_name({kDataset, kDriver, "", 1})).value();
  ASSERT_TRUE(cursor.has_value());
  EXPECT_EQ(Json::parse(*cursor)["updated_at"], at(15));
  EXPECT_EQ(Json::parse(*cursor)["ids_at"], Json::array({item_id(5)}));
  // The first poll has no updatedAt condition; paging went through three pages.
  EXPECT_EQ(platform_.filters().size(), 3u);
  EXPECT_EQ(platform_.filters()[0].dump().find("updatedAt"), std::string::npos);
}

TEST_F(DatasetWatcherTest, LaterPollsEnqueueOnlyChangedItemsIncludingTiesAtTheCursor) {
  for (int i = 1; i <= 4; ++i) platform_.put(i, 10 + i);
  auto w = watcher();
  ASSERT_EQ(w->poll_once(0).value(), 4);
  drain();

  EXPECT_EQ(w->poll_once(0).value(), 0) << "nothing changed: the item at the cursor is skipped";
  EXPECT_EQ(pending(), 0);
  EXPECT_NE(platform_.filters().back().dump().find(R"({"updatedAt":{"$gte":")" + at(14)),
            std::string::npos)
      << platform_.filters().back().dump();

  platform_.put(2, 20);  // edited
  platform_.put(9, 14);  // committed late in the cursor's own millisecond
  EXPECT_EQ(w->poll_once(0).value(), 2);
  auto batch = queue_->claim("w", 100, std::chrono::seconds(60)).value();
  std::set<std::string> items;
  for (const auto& job : batch.jobs) items.insert(job.item_id);
  EXPECT_EQ(items, (std::set<std::string>{item_id(2), item_id(9)}));
}

TEST_F(DatasetWatcherTest, TheCursorSurvivesARestart) {
  for (int i = 1; i <= 3; ++i) platform_.put(i, 10 + i);
  ASSERT_EQ(watcher()->poll_once(0).value(), 3);
  drain();
  queue_.reset();
  queue_ = std::move(queue::open_sqlite_job_queue({.path = (dir_ / "queue.db").string()}, clock_))
               .value();
  EXPECT_EQ(watcher()->poll_once(0).value(), 0) << "a restart does not re-export everything";
  platform_.put(3, 30);
  EXPECT_EQ(watcher()->poll_once(0).value(), 1);
}

TEST_F(DatasetWatcherTest, TheConfiguredFilterIsAndedWithTheCursor) {
  platform_.put(1, 11, "/a");
  platform_.put(2, 12, "/b");
  platform_.put(3, 13, "/a");
  auto w = watcher(R"({"dir":"/a"})");
  EXPECT_EQ(w->poll_once(0).value(), 2);
  platform_.put(2, 20, "/b");
  platform_.put(1, 21, "/a");
  EXPECT_EQ(w->poll_once(0).value(), 1);
  const std::string last = platform_.filters().back().dump();
  EXPECT_NE(last.find(R"({"dir":"/a"})"), std::string::npos) << last;
  EXPECT_NE(last.find("$gte"), std::string::npos) << last;
}

TEST_F(DatasetWatcherTest, APlatformErrorLeavesTheCursorWhereItWas) {
  for (int i = 1; i <= 5; ++i) platform_.put(i, 10 + i);
  auto w = watcher();
  platform_.fail_page(2);
  auto failed = w->poll_once(0);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(failed.status().message().find(kDataset), std::string::npos);
  EXPECT_FALSE(queue_->get_cursor(watch_cursor_name({kDataset, kDriver, "", 1})).value());
  EXPECT_NE(registry_.expose().find("dlexport_watch_polls_total{dataset=\"" + kDataset +
                                    "\",outcome=\"error\"} 1"),
            std::string::npos);
  // The retry enqueues everything (the first page again, coalesced) and then moves the cursor.
  EXPECT_EQ(w->poll_once(0).value(), 5);
  EXPECT_EQ(pending(), 5);
}

TEST_F(DatasetWatcherTest, StartPollsInTheBackgroundUntilStopped) {
  platform_.put(1, 11);
  auto w = watcher();
  w->start();
  {
    std::unique_lock<std::mutex> lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(30), [&] { return wakes_ >= 1; }));
  }
  w->stop();
  EXPECT_EQ(pending(), 1);
}

TEST(DatasetWatcherConfigTest, BadEntriesAreRejectedNamingTheField) {
  FakeClock clock;
  metrics::Registry registry;
  auto queue = std::move(queue::open_sqlite_job_queue({.path = ":memory:"}, clock)).value();
  class NoItems final : public ItemSource {
    Status scan(const std::string&, const Json&, const PageHandler&) override { return {}; }
  } items;
  auto check = [&](config::WatchOptions w, const std::string& field) {
    auto made = DatasetWatcher::create({w}, items, *queue, registry);
    ASSERT_FALSE(made.has_value()) << field;
    EXPECT_NE(made.status().message().find(field), std::string::npos) << made.status().message();
  };
  check({"x", kDriver, "", 1000}, "watch[0].dataset_id");
  check({kDataset, "y", "", 1000}, "watch[0].driver_id");
  check({kDataset, kDriver, "{", 1000}, "watch[0].filter");
  check({kDataset, kDriver, "[1]", 1000}, "watch[0].filter");
  check({kDataset, kDriver, "", 0}, "watch[0].interval_ms");
}

}  // namespace
}  // namespace dlexport::worker
