#include "cleanup/cron.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <vector>

namespace dlexport::cleanup {
namespace {

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  const std::array<std::string_view, 12>* names;  // names[i] means min + i
};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri",
                                                        "sat", "",    "",    "",    "",    ""};

Result<int> parse_value(std::string_view text, const FieldSpec& spec) {
  if (spec.names != nullptr) {
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::size_t i = 0; i < spec.names->size(); ++i) {
      if (!(*spec.names)[i].empty() && (*spec.names)[i] == lower) {
        return spec.min + static_cast<int>(i);
      }
    }
  }
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return invalid_argument(fmt::format("{} field: '{}' is not a number", spec.name, text));
  }
  const int max = spec.name == "day-of-week" ? 7 : spec.max;  // 7 is Sunday too
  if (value < spec.min || value > max) {
    return invalid_argument(
        fmt::format("{} field: {} is outside {}-{}", spec.name, value, spec.min, max));
  }
  return value;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

// Sets bits [min, max] of `bits` selected by one field; returns whether the field was `*`.
template <std::size_t N>
Result<bool> parse_field(std::string_view text, const FieldSpec& spec, std::bitset<N>& bits) {
  bool any = false;
  for (std::string_view part : split(text, ',')) {
    if (part.empty()) return invalid_argument(fmt::format("{} field: empty list item", spec.name));
    int step = 1;
    if (auto slash = part.find('/'); slash != std::string_view::npos) {
      std::string_view step_text = part.substr(slash + 1);
      auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc() || end != step_text.data() + step_text.size() || step <= 0) {
        return invalid_argument(fmt::format("{} field: bad step '{}'", spec.name, step_text));
      }
      part = part.substr(0, slash);
    }
    int lo = spec.min;
    int hi = spec.max;
    if (part == "*") {
      any = any || step == 1;
    } else if (auto dash = part.find('-'); dash != std::string_view::npos) {
      DLX_ASSIGN_OR_RETURN(lo, parse_value(part.substr(0, dash), spec));
      DLX_ASSIGN_OR_RETURN(hi, parse_value(part.substr(dash + 1), spec));
      if (lo > hi) {
        return invalid_argument(
            fmt::format("{} field: range '{}' runs backwards", spec.name, part));
      }
    } else {
      DLX_ASSIGN_OR_RETURN(lo, parse_value(part, spec));
      hi = lo;
      if (step != 1) hi = spec.max;  // "5/15" means 5, 20, 35, 50
    }
    for (int v = lo; v <= hi; v += step) {
      bits.set(static_cast<std::size_t>(spec.name == "day-of-week" && v == 7 ? 0 : v));
    }
  }
  return any;
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view expression) {
  std::vector<std::string_view> fields;
  for (std::string_view f : split(expression, ' ')) {
    if (!f.empty()) fields.push_back(f);
  }
  if (fields.size() != 5) {
    return invalid_argument(fmt::format(
        "cron '{}': expected 5 fields (minute hour day-of-month month day-of-week), got {}",
        expression, fields.size()));
  }
  CronSchedule s;
  s.expression_ = std::string(expression);
  auto annotate = [&](Status st) { return st.annotate(fmt::format("cron '{}'", expression)); };
  auto minute = parse_field(fields[0], {"minute", 0, 59, nullptr}, s.minutes_);
  if (!minute) return annotate(minute.error());
  auto hour = parse_field(fields[1], {"hour", 0, 23, nullptr}, s.hours_);
  if (!hour) return annotate(hour.error());
  auto dom = parse_field(fields[2], {"day-of-month", 1, 31, nullptr}, s.days_of_month_);
  if (!dom) return annotate(dom.error());
  auto month = parse_field(fields[3], {"month", 1, 12, &kMonthNames}, s.months_);
  if (!month) return annotate(month.error());
  auto dow = parse_field(fields[4], {"day-of-week", 0, 6, &kDayNames}, s.days_of_week_);
  if (!dow) return annotate(dow.error());
  s.dom_restricted_ = !*dom;
  s.dow_restricted_ = !*dow;
  return s;
}

std::optional<CronSchedule::TimePoint> CronSchedule::next_after(TimePoint after) const {
  using namespace std::chrono;
  auto t = floor<minutes>(after) + minutes(1);
  const auto limit = t + days(366 * 5);
  while (t < limit) {
    const auto day = floor<days>(t);
    const year_month_day ymd(day);
    const auto month = static_cast<unsigned>(ymd.month());
    if (!months_.test(month)) {
      // Jump to the first day of the next month.
      const year_month_day first{ymd.year() / ymd.month() / 1};
      t = sys_days(first + months(1));
      continue;
    }
    const auto dom = static_cast<unsigned>(ymd.day());
    const auto dow = weekday(day).c_encoding();
    const bool dom_ok = days_of_month_.test(dom);
    const bool dow_ok = days_of_week_.test(dow);
    bool day_ok = dom_ok && dow_ok;
    if (dom_restricted_ && dow_restricted_) day_ok = dom_ok || dow_ok;
    if (!day_ok) {
      t = day + days(1);
      continue;
    }
    const hh_mm_ss hms(t - day);
    const auto hour = static_cast<std::size_t>(hms.hours().count());
    if (!hours_.test(hour)) {
      t = day + hours(hour + 1);
      continue;
    }
    if (minutes_.test(static_cast<std::size_t>(hms.minutes().count()))) {
      return time_point_cast<seconds>(t);
    }
    t += minutes(1);
  }
  return std::nullopt;
}

}  // namespace dlexport::cleanup
