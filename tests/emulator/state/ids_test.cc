#include "emulator/ids.h"

#include <gtest/gtest.h>

namespace dlexport::emulator {
namespace {

TEST(Ids, ParseAndHexRoundTrip) {
  auto id = ObjectId::parse("6600000000000000000000E8");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->hex(), "6600000000000000000000e8");
  EXPECT_FALSE(ObjectId::parse("66000000000000000000000").has_value());   // 23 digits
  EXPECT_FALSE(ObjectId::parse("66000000000000000000000g").has_value());  // not hex
  EXPECT_FALSE(ObjectId::parse("default-driver-id").has_value());
  EXPECT_LT(*ObjectId::parse("66000000ffffffffffffffff"),
            *ObjectId::parse("660000010000000000000000"));
}

TEST(Ids, ClockIsStrictlyIncreasingAndAdvancesPastSeenIds) {
  IdClock clock;
  std::string previous = clock.next().hex();
  for (int i = 0; i < 1000; ++i) {
    std::string id = clock.next().hex();
    ASSERT_EQ(id.size(), 24u);
    ASSERT_GT(id, previous);
    previous = id;
  }
  clock.advance_past("66ffffffffffffffffffffff");
  EXPECT_EQ(clock.next().hex(), "670000000000000000000000");  // carries into the high word
  clock.advance_past("000000000000000000000001");  // lower ids do not move the clock back
  EXPECT_EQ(clock.next().hex(), "670000000000000000000001");
  clock.advance_past("not-an-id");
  EXPECT_EQ(clock.next().hex(), "670000000000000000000002");
}

}  // namespace
}  // namespace dlexport::emulator
