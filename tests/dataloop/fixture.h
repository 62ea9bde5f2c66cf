#pragma once
// A Client wired to a FakeHttpClient and a FakeClock, with a token valid for an hour.

#include <gtest/gtest.h>

#include <memory>

#include "dataloop/client.h"
#include "http/testing/fake_http_client.h"
#include "tests/dataloop/test_util.h"

namespace dlexport::dataloop::testing {

inline constexpr char kBase[] = "http://gate.test/api/v1";

class ClientFixture : public ::testing::Test {
 protected:
  ClientOptions base_options() {
    ClientOptions options;
    options.api_base_url = kBase;
    options.token = make_jwt("user@example.com", clock_.now() + std::chrono::hours(1));
    return options;
  }
  Client& client() {
    if (!client_) client_ = std::make_unique<Client>(options_, fake_, clock_);
    return *client_;
  }
  http::Request only_request() {
    auto requests = fake_->requests();
    EXPECT_EQ(requests.size(), 1u);
    return requests.empty() ? http::Request{} : requests.front();
  }

  FakeClock clock_;
  std::shared_ptr<http::testing::FakeHttpClient> fake_ =
      std::make_shared<http::testing::FakeHttpClient>();
  ClientOptions options_ = base_options();
  std::unique_ptr<Client> client_;
};

inline Json item_json(const std::string& id, const std::string& dataset = "d1") {
  return Json{{"id", id},
              {"datasetId", dataset},
              {"dir", "/a"},
              {"filename", "/a/" + id + ".jpg"},
              {"name", id + ".jpg"},
              {"updatedAt", "2025-01-01T00:00:00.000Z"}};
}

inline Json page(Json items, bool has_next, std::int64_t total = -1) {
  const auto count = static_cast<std::int64_t>(items.size());
  return Json{{"totalItemsCount", total < 0 ? count : total},
              {"items", std::move(items)},
              {"totalPagesCount", 1},
              {"hasNextPage", has_next}};
}

}  // namespace dlexport::dataloop::testing
