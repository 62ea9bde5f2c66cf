#include "emulator/multipart.h"

#include <gtest/gtest.h>

namespace dlexport::emulator {
namespace {

TEST(Multipart, ParsesTheSdkUploadBody) {
  const std::string body =
      "--abd618a47cdd4e9f803198bbc0b5235c\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Disposition: form-data; name=\"type\"\r\n\r\nfile\r\n"
      "--abd618a47cdd4e9f803198bbc0b5235c\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Disposition: form-data; name=\"path\"\r\n\r\n/dir with space/a;b.json\r\n"
      "--abd618a47cdd4e9f803198bbc0b5235c\r\nContent-Type: application/json\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"a%3Bb.json\"\r\n\r\n"
      "{\"k\": 1}\r\n\r\n--abd618a47cdd4e9f803198bbc0b5235c--\r\n";
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abd618a47cdd4e9f803198bbc0b5235c"),
            "abd618a47cdd4e9f803198bbc0b5235c");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"x;y\""), "x;y");
  auto parts = parse_multipart(body, "abd618a47cdd4e9f803198bbc0b5235c");
  ASSERT_TRUE(parts.has_value()) << parts.error().message();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ(parts->at("type").content, "file");
  EXPECT_EQ(parts->at("path").content, "/dir with space/a;b.json");
  EXPECT_EQ(parts->at("file").filename, "a%3Bb.json");
  EXPECT_EQ(parts->at("file").content_type, "application/json");
  EXPECT_EQ(parts->at("file").content, "{\"k\": 1}\r\n") << "content keeps its own CRLF";
}

TEST(Multipart, RejectsMalformedBodies) {
  EXPECT_FALSE(parse_multipart("--b\r\nno end", "b").has_value());
  EXPECT_FALSE(parse_multipart("nothing", "b").has_value());
  EXPECT_FALSE(parse_multipart("--b\r\n\r\nx\r\n--b--", "").has_value());
  EXPECT_FALSE(parse_multipart("--b\r\nContent-Type: x\r\n\r\nx\r\n--b--", "b").has_value())
      << "a part without a name";
  auto empty = parse_multipart("--b--\r\n", "b");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace dlexport::emulator
