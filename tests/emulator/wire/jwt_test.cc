#include "emulator/jwt.h"

#include <gtest/gtest.h>

namespace dlexport::emulator {
namespace {

TEST(Base64Url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    const std::string encoded = base64url_encode(bytes);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    auto decoded = base64url_decode(encoded);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37 + 250));
  }
  EXPECT_EQ(base64url_encode("sig"), "c2ln");
  EXPECT_FALSE(base64url_decode("a$b").has_value());
}

TEST(Jwt, SignedTokenVerifiesAndCarriesClaims) {
  const std::string token = make_token("me@example.com", std::chrono::seconds(60), "k");
  auto claims = verify_jwt(token, "k", unix_now());
  ASSERT_TRUE(claims.has_value()) << claims.error().message();
  EXPECT_EQ((*claims)["email"], "me@example.com");
  EXPECT_EQ((*claims)["sub"], "me@example.com");
  EXPECT_EQ((*claims)["exp"].get<std::int64_t>() - (*claims)["iat"].get<std::int64_t>(), 60);
}

TEST(Jwt, RejectsWrongSecretExpiryAndGarbage) {
  const std::string token = make_token("me@example.com", std::chrono::seconds(60), "k");
  EXPECT_EQ(verify_jwt(token, "other", unix_now()).error().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(verify_jwt(token, "k", unix_now() + 61).error().message(), "token expired");
  EXPECT_FALSE(verify_jwt("not-a-jwt", "k", unix_now()).has_value());
  EXPECT_FALSE(verify_jwt("a.b.c.d", "k", unix_now()).has_value());
  // The recordings' fake signature "c2ln" never verifies.
  const std::string fake = token.substr(0, token.rfind('.')) + ".c2ln";
  EXPECT_FALSE(verify_jwt(fake, "k", unix_now()).has_value());
  // alg none is refused even with an empty signature.
  const std::string none = base64url_encode(R"({"alg":"none"})") + "." +
                           base64url_encode(R"({"email":"x","exp":9999999999})") + ".";
  EXPECT_FALSE(verify_jwt(none, "k", unix_now()).has_value());
  // No exp → rejected.
  EXPECT_FALSE(verify_jwt(sign_jwt(Json{{"email", "x"}}, "k"), "k", unix_now()).has_value());
}

}  // namespace
}  // namespace dlexport::emulator
