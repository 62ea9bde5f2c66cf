#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/dataloop/fixture.h"
#include "tests/support/paths.h"

namespace dlexport::dataloop {
namespace {

using http::Method;
using http::testing::json_response;
using http::testing::text_response;
using http::testing::url_path;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::body_json;
using testing::ClientFixture;
using testing::make_jwt;

class AuthTest : public ClientFixture {
 protected:
  // Answers API calls with an item and records which bearer each used.
  void serve_items() {
    fake_->set_handler([this](const http::Request& request) -> Result<http::Response> {
      if (url_path(request.url).rfind("/api/v1/", 0) == 0) {
        std::lock_guard<std::mutex> lock(mu_);
        bearers_.push_back(request.headers.get("authorization").value_or(""));
        return json_response(200, testing::item_json("i1"));
      }
      return on_other(request);
    });
  }
  std::function<Result<http::Response>(const http::Request&)> on_other =
      [](const http::Request& request) -> Result<http::Response> {
    return Status(StatusCode::kInternal, "unexpected " + request.url);
  };
  std::vector<std::string> bearers() {
    std::lock_guard<std::mutex> lock(mu_);
    return bearers_;
  }
  std::mutex mu_;
  std::vector<std::string> bearers_;
};

TEST_F(AuthTest, ValidTokenIsUsedWithoutRenewal) {
  serve_items();
  ASSERT_TRUE(client().get_item("i1").has_value());
  clock_.advance(minutes(58));  // still more than 60 s before exp
  ASSERT_TRUE(client().get_item("i1").has_value());
  EXPECT_EQ(bearers(), (std::vector<std::string>(2, "Bearer " + options_.token)));
}

TEST_F(AuthTest, RejectedKeyIsUnauthenticatedAndNotRetried) {
  fake_->enqueue(json_response(401, Json{{"status", 401}, {"message", "Unauthorized"}}));
  auto user = client().connect();
  ASSERT_FALSE(user.has_value());
  EXPECT_EQ(user.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(fake_->request_count(), 1u);
  EXPECT_EQ(user.status().message().find(options_.token), std::string::npos);
}

TEST_F(AuthTest, TokenFileIsReReadBeforeExpiry) {
  const auto dir = dlexport::testing::make_temp_dir("dlx-auth");
  const auto file = dir / "token";
  const std::string fresh = make_jwt("user@example.com", clock_.now() + hours(2), "fresh");
  { std::ofstream(file) << fresh << "\n"; }
  options_.token_file = file.string();
  serve_items();
  ASSERT_TRUE(client().get_item("i1").has_value());
  clock_.advance(minutes(59) + seconds(1));  // inside the 60 s margin
  ASSERT_TRUE(client().get_item("i1").has_value());
  auto used = bearers();
  ASSERT_EQ(used.size(), 2u);
  EXPECT_EQ(used[0], "Bearer " + options_.token);
  EXPECT_EQ(used[1], "Bearer " + fresh);
  std::filesystem::remove_all(dir);
}

TEST_F(AuthTest, ProxyGetJwtWithSecret) {
  options_.token = make_jwt("u@x", clock_.now() + seconds(30));  // already inside the margin
  options_.jwt_proxy_url = "http://localhost:1001/get_jwt";
  options_.jwt_proxy_secret = "agent-secret-123";
  const std::string fresh = make_jwt("bot@bot.ai", clock_.now() + hours(1));
  on_other = [&](const http::Request& request) -> Result<http::Response> {
    EXPECT_EQ(request.method, Method::kGet);
    EXPECT_EQ(request.url, "http://localhost:1001/get_jwt");
    EXPECT_EQ(request.headers.get("X-Get-Jwt-Secret"), "agent-secret-123");
    EXPECT_FALSE(request.headers.contains("authorization"));
    return json_response(200, Json{{"jwt", fresh}});
  };
  serve_items();
  ASSERT_TRUE(client().get_item("i1").has_value());
  EXPECT_EQ(bearers(), std::vector<std::string>{"Bearer " + fresh});
  EXPECT_EQ(client().email(), "bot@bot.ai");
}

TEST_F(AuthTest, RefreshTokenExchange) {
  options_.token = make_jwt("u@x", clock_.now() + seconds(59));
  options_.refresh_token = "refresh-abc";
  const std::string fresh = make_jwt("u@x", clock_.now() + hours(1));
  int refreshes = 0;
  on_other = [&](const http::Request& request) -> Result<http::Response> {
    ++refreshes;
    EXPECT_EQ(request.method, Method::kPost);
    EXPECT_EQ(request.url, "http://gate.test/token?default");
    EXPECT_FALSE(request.headers.contains("authorization"));
    const Json body = body_json(request);
    EXPECT_EQ(body, Json::parse(R"({"type":"refresh_token","refresh_token":"refresh-abc"})"));
    return json_response(200, Json{{"id_token", fresh}, {"refresh_token", "refresh-def"}});
  };
  serve_items();
  ASSERT_TRUE(client().get_item("i1").has_value());
  EXPECT_EQ(refreshes, 1);
  EXPECT_EQ(bearers(), std::vector<std::string>{"Bearer " + fresh});
}

TEST_F(AuthTest, UserCredentialsLoginWhenNoToken) {
  options_.token.clear();
  options_.username = "bot@example.com";
  options_.password = "s3cret";
  const std::string issued = make_jwt("bot@example.com", clock_.now() + hours(1));
  fake_->set_handler([&](const http::Request& request) -> Result<http::Response> {
    if (url_path(request.url) == "/token") {
      EXPECT_EQ(body_json(request), Json::parse(R"({"username":"bot@example.com",
          "password":"s3cret","type":"user_credentials"})"));
      return json_response(200, Json{{"id_token", issued}, {"refresh_token", "rt"}});
    }
    EXPECT_EQ(request.headers.get("authorization"), "Bearer " + issued);
    return json_response(200, Json{{"id", "u"}, {"email", "bot@example.com"}});
  });
  auto user = client().connect();
  ASSERT_TRUE(user.has_value()) << user.status().to_string();
  EXPECT_EQ(fake_->request_count(), 2u);
}

TEST_F(AuthTest, RenewalOrderFallsThrough) {
  options_.token = make_jwt("u@x", clock_.now() - seconds(1));
  options_.token_file = "/nonexistent/dlx/token";
  options_.jwt_proxy_url = "http://localhost:1001/get_jwt";
  options_.refresh_token = "refresh-abc";
  const std::string fresh = make_jwt("u@x", clock_.now() + hours(1));
  std::vector<std::string> order;
  on_other = [&](const http::Request& request) -> Result<http::Response> {
    order.push_back(url_path(request.url));
    if (url_path(request.url) == "/get_jwt") return json_response(500, Json{{"message", "down"}});
    return json_response(200, Json{{"id_token", fresh}});
  };
  serve_items();
  ASSERT_TRUE(client().get_item("i1").has_value());
  EXPECT_EQ(order, (std::vector<std::string>{"/get_jwt", "/token"}));
}

TEST_F(AuthTest, NoRenewalSourceFailsBeforeSending) {
  options_.token = make_jwt("u@x", clock_.now() + seconds(30));
  serve_items();
  auto item = client().get_item("i1");
  ASSERT_FALSE(item.has_value());
  EXPECT_EQ(item.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(fake_->request_count(), 0u);
}

TEST_F(AuthTest, OpaqueKeyIsRejectedBeforeSending) {
  options_.token = "opaque-api-key";
  serve_items();
  auto user = client().connect();
  ASSERT_FALSE(user.has_value());
  EXPECT_EQ(user.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(user.status().message().find("not a JWT"), std::string::npos);
  EXPECT_EQ(user.status().message().find("opaque-api-key"), std::string::npos);
  EXPECT_EQ(fake_->request_count(), 0u);
}

TEST_F(AuthTest, RenewedTokenThatIsExpiredIsRefused) {
  options_.token = make_jwt("u@x", clock_.now() - seconds(1));
  options_.refresh_token = "rt";
  on_other = [&](const http::Request&) -> Result<http::Response> {
    return json_response(200, Json{{"id_token", make_jwt("u@x", clock_.now() + seconds(10))}});
  };
  serve_items();
  auto item = client().get_item("i1");
  EXPECT_EQ(item.status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(bearers().empty());
}

TEST_F(AuthTest, ConcurrentCallersShareOneRenewal) {
  options_.token = make_jwt("u@x", clock_.now() + seconds(10));
  options_.refresh_token = "rt";
  std::atomic<int> refreshes{0};
  const std::string fresh = make_jwt("u@x", clock_.now() + hours(1));
  on_other = [&](const http::Request&) -> Result<http::Response> {
    ++refreshes;
    return json_response(200, Json{{"id_token", fresh}});
  };
  serve_items();
  Client& shared = client();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (shared.get_item("i1").has_value()) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 160);
  EXPECT_EQ(refreshes.load(), 1);
}

TEST_F(AuthTest, NoSecretLeaksIntoErrorMessages) {
  const std::string token = options_.token;
  options_.refresh_token = "refresh-SECRET-1";
  options_.password = "password-SECRET-2";
  options_.username = "bot@example.com";
  options_.jwt_proxy_secret = "proxy-SECRET-3";
  // A server that echoes everything it got, including the Authorization header.
  fake_->set_handler([&](const http::Request& request) -> Result<http::Response> {
    std::string echo = "echo: " + request.body;
    for (const auto& [name, value] : request.headers.entries()) echo += " " + name + ": " + value;
    echo += " refresh-SECRET-1 password-SECRET-2 proxy-SECRET-3";
    return text_response(500, echo);
  });
  std::vector<Status> failures;
  failures.push_back(client().get_item("i1").status());
  failures.push_back(client().connect().status());
  failures.push_back(client().delete_item("i1"));
  failures.push_back(client().upload("ds", "/a/b.json", "{}").status());
  // An expired token makes every renewal source fail too.
  clock_.advance(hours(2));
  failures.push_back(client().get_item("i1").status());
  for (const auto& status : failures) {
    ASSERT_FALSE(status.is_ok());
    const std::string text = status.to_string();
    EXPECT_EQ(text.find(token), std::string::npos) << text;
    EXPECT_EQ(text.find("SECRET"), std::string::npos) << text;
    EXPECT_EQ(text.find("eyJ"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace dlexport::dataloop
