#include "http/testing/fake_http_client.h"

#include <gtest/gtest.h>

#include <thread>

namespace dlexport::http::testing {
namespace {

TEST(FakeHttpClientTest, QueueThenHandlerThenUnscripted) {
  FakeHttpClient fake;
  fake.enqueue(text_response(201, "first"));
  fake.set_handler(
      [](const Request& r) -> Result<Response> { return text_response(200, "handled " + r.url); });
  Request request;
  request.url = "http://h/a";
  auto first = fake.send(request);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 201);
  EXPECT_FALSE(first->request_id.empty());
  auto second = fake.send(request);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "handled http://h/a");
  EXPECT_EQ(fake.request_count(), 2u);

  FakeHttpClient empty;
  EXPECT_EQ(empty.send(request).status().code(), StatusCode::kInternal);
}

TEST(FakeHttpClientTest, DefaultMultiplexerDeliversFromPoll) {
  FakeHttpClient fake;
  fake.set_handler([](const Request& r) -> Result<Response> {
    // Borrowed bytes arrive copied into the recorded request.
    return text_response(200, r.parts.empty() ? r.url : r.parts[0].data);
  });
  auto mux = fake.multiplexer();
  std::vector<std::string> bodies;
  const std::string file = "file bytes";
  Request upload;
  upload.url = "http://h/u";
  upload.parts = {MultipartPart::borrowing("file", "f", "", file)};
  mux->start(std::move(upload), [&](Result<Response> r) { bodies.push_back(r->body); });
  Request get;
  get.url = "http://h/g";
  mux->start(std::move(get), [&](Result<Response> r) { bodies.push_back(r->body); });
  EXPECT_TRUE(bodies.empty());  // never inside start()
  EXPECT_EQ(mux->in_flight(), 2u);
  EXPECT_EQ(mux->poll(std::chrono::milliseconds(0)), 0u);
  EXPECT_EQ(bodies, (std::vector<std::string>{"file bytes", "http://h/g"}));
  EXPECT_EQ(fake.requests().at(0).parts.at(0).data, "file bytes");
  // Nothing in flight: poll() waits for wakeup() (pending here) instead of the whole timeout.
  mux->wakeup();
  EXPECT_EQ(mux->poll(std::chrono::minutes(10)), 0u);
}

TEST(BodyBufferTest, LargeBodiesAreReusedOnTheirThread) {
  std::string page(2 << 20, 'x');
  const char* memory = page.data();
  recycle_body(std::move(page));
  std::string reused = body_buffer(1 << 20);
  EXPECT_TRUE(reused.empty());
  EXPECT_EQ(reused.data(), memory);                // the same allocation, no fresh pages
  EXPECT_NE(body_buffer(1 << 20).data(), memory);  // taken: not handed out twice
  // Small bodies are not kept, and another thread has its own (empty) spare.
  recycle_body(std::string(1000, 'y'));
  EXPECT_LT(body_buffer(300 << 10).capacity(), std::size_t{1} << 20);
  recycle_body(std::move(reused));
  std::thread other([memory] { EXPECT_NE(body_buffer(1 << 20).data(), memory); });
  other.join();
  EXPECT_EQ(body_buffer(1 << 20).data(), memory);
}

TEST(FakeHttpClientTest, UrlHelpers) {
  EXPECT_EQ(url_path("http://h:1/api/v1/x?y=1"), "/api/v1/x");
  EXPECT_EQ(url_query("http://h:1/api/v1/x?y=1&z"), "y=1&z");
  EXPECT_EQ(url_path("http://h"), "/");
  EXPECT_EQ(url_query("http://h/x"), "");
}

TEST(HeadersTest, CaseInsensitive) {
  Headers headers;
  headers.add("Content-Type", "a");
  headers.add("content-type", "b");
  EXPECT_EQ(headers.get("CONTENT-TYPE"), "a");
  headers.set("Content-TYPE", "c");
  EXPECT_EQ(headers.entries().size(), 1u);
  EXPECT_EQ(headers.get("content-type"), "c");
  headers.remove("CONTENT-type");
  EXPECT_FALSE(headers.contains("content-type"));
}

TEST(UrlEncodeTest, LikeTheSdk) {
  EXPECT_EQ(url_encode("image 001.json"), "image%20001.json");
  EXPECT_EQ(url_encode("a&b#c\"q.json"), "a%26b%23c%22q.json");
  EXPECT_EQ(url_encode("тест файл.json"),
            "%D1%82%D0%B5%D1%81%D1%82%20%D1%84%D0%B0%D0%B9%D0%BB.json");
}

TEST(RequestIdTest, RandomHex) {
  const std::string a = new_request_id();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, new_request_id());
}

}  // namespace
}  // namespace dlexport::http::testing
