#include "common/base64.h"

#include <gtest/gtest.h>

namespace dlexport {
namespace {

TEST(Base64UrlTest, KnownVectorsAndRoundTrip) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("sig"), "c2ln");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");  // the url-safe characters
  for (std::string bytes : {"a", "ab", "abc", "abcd", "\x00\x01\x02\xff"}) {
    auto decoded = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64UrlTest, DecodeToleratesPaddingAndStandardAlphabet) {
  EXPECT_EQ(base64url_decode("YWI="), "ab");
  EXPECT_EQ(base64url_decode("+/8"), "\xfb\xff");
}

TEST(Base64UrlTest, DecodeRejectsGarbage) {
  EXPECT_FALSE(base64url_decode("a$b").has_value());
  EXPECT_FALSE(base64url_decode("abcde").has_value());  // 5 characters encode no whole byte
}

}  // namespace
}  // namespace dlexport
