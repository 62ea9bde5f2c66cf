#include "cleanup/cron.h"

#include <gtest/gtest.h>

namespace dlexport::cleanup {
namespace {

using namespace std::chrono;

sys_seconds at(int y, unsigned mo, unsigned d, int h, int mi) {
  return sys_days(year(y) / month(mo) / day(d)) + hours(h) + minutes(mi);
}

sys_seconds next(std::string_view expr, sys_seconds after) {
  auto s = CronSchedule::parse(expr);
  EXPECT_TRUE(s.has_value()) << expr << ": " << s.status().to_string();
  auto n = s->next_after(after);
  EXPECT_TRUE(n.has_value()) << expr;
  return n.value_or(sys_seconds{});
}

TEST(CronTest, WeeklySundayAtThree) {
  // 2026-12-04 is a Friday.
  EXPECT_EQ(next("0 3 * * 0", at(2026, 12, 4, 20, 21)), at(2026, 12, 6, 3, 0));
  EXPECT_EQ(next("0 3 * * sun", at(2026, 12, 6, 3, 0)), at(2026, 12, 13, 3, 0));
  EXPECT_EQ(next("0 3 * * 7", at(2026, 12, 4, 0, 0)), at(2026, 12, 6, 3, 0));
}

TEST(CronTest, StrictlyAfter) {
  EXPECT_EQ(next("* * * * *", at(2026, 1, 1, 0, 0)), at(2026, 1, 1, 0, 1));
  EXPECT_EQ(next("30 * * * *", at(2026, 1, 1, 0, 30)), at(2026, 1, 1, 1, 30));
}

TEST(CronTest, StepsRangesListsAndNames) {
  EXPECT_EQ(next("*/15 * * * *", at(2026, 1, 1, 0, 1)), at(2026, 1, 1, 0, 15));
  EXPECT_EQ(next("5/20 * * * *", at(2026, 1, 1, 0, 6)), at(2026, 1, 1, 0, 25));
  // 9, 13 and 17 on weekdays: Friday 14:00 -> Friday 17:00 -> Monday 09:00.
  EXPECT_EQ(next("0 9-17/4 * * mon-fri", at(2026, 12, 4, 14, 0)), at(2026, 12, 4, 17, 0));
  EXPECT_EQ(next("0 9-17/4 * * mon-fri", at(2026, 12, 4, 17, 0)), at(2026, 12, 7, 9, 0));
  EXPECT_EQ(next("0 0 1,15 * *", at(2026, 12, 4, 0, 0)), at(2026, 12, 15, 0, 0));
  EXPECT_EQ(next("0 0 1 jan *", at(2026, 12, 4, 0, 0)), at(2027, 1, 1, 0, 0));
}

TEST(CronTest, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // The 13th or any Friday: Friday 2026-12-04 18:00 -> next is Friday 2026-12-11.
  EXPECT_EQ(next("0 0 13 * fri", at(2026, 12, 4, 18, 0)), at(2026, 12, 11, 0, 0));
  EXPECT_EQ(next("0 0 13 * fri", at(2026, 12, 11, 1, 0)), at(2026, 12, 13, 0, 0));
}

TEST(CronTest, LeapDay) {
  EXPECT_EQ(next("0 0 29 2 *", at(2026, 3, 1, 0, 0)), at(2028, 2, 29, 0, 0));
}

TEST(CronTest, ImpossibleDateHasNoNextTime) {
  auto s = CronSchedule::parse("0 0 31 2 *");
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->next_after(at(2026, 1, 1, 0, 0)).has_value());
}

TEST(CronTest, ErrorsNameTheField) {
  struct Case {
    const char* expr;
    const char* expect;
  };
  for (const Case& c :
       {Case{"0 3 * *", "expected 5 fields"}, Case{"60 * * * *", "minute"},
        Case{"0 24 * * *", "hour"}, Case{"0 0 0 * *", "day-of-month"}, Case{"0 0 * 13 *", "month"},
        Case{"0 0 * * 8", "day-of-week"}, Case{"*/0 * * * *", "step"},
        Case{"0 5-1 * * *", "backwards"}, Case{"x * * * *", "not a number"}}) {
    auto s = CronSchedule::parse(c.expr);
    ASSERT_FALSE(s.has_value()) << c.expr;
    EXPECT_NE(s.error().message().find(c.expect), std::string::npos)
        << c.expr << " -> " << s.error().message();
  }
}

}  // namespace
}  // namespace dlexport::cleanup
