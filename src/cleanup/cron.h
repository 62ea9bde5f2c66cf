#pragma once
// CronSchedule: a 5-field cron expression (minute hour day-of-month month day-of-week), in UTC,
// for the scheduled cleanup strategy (ARCHITECTURE.md §7).
//
// Supports `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/n` and `a-b/n`, month and weekday
// names (`jan`, `sun`), and 7 as Sunday. As in Vixie cron, when both day-of-month and day-of-week
// are restricted a day matches if either does. Pure and immutable: safe to share across threads.

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace dlexport::cleanup {

class CronSchedule {
 public:
  using TimePoint = std::chrono::sys_seconds;

  // "0 3 * * 0" -> every Sunday 03:00 UTC. Errors name the bad field.
  static Result<CronSchedule> parse(std::string_view expression);

  // The first matching minute strictly after `after`; nullopt if none within 5 years
  // (e.g. "0 0 31 2 *").
  std::optional<TimePoint> next_after(TimePoint after) const;

  const std::string& expression() const { return expression_; }

 private:
  std::string expression_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<7> days_of_week_;    // 0..6, Sunday = 0
  bool dom_restricted_ = false;
  bool dow_restricted_ = false;
};

}  // namespace dlexport::cleanup
