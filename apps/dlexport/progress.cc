#include "apps/dlexport/progress.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace dlexport::cli {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kBarInterval = std::chrono::milliseconds(100);
constexpr auto kLineInterval = std::chrono::seconds(5);
constexpr int kBarWidth = 30;

std::string eta_text(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "--";
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

class Progress final : public app::ProgressListener {
 public:
  // The first plain line waits for the first 10% (or kLineInterval), not the first item.
  explicit Progress(bool terminal)
      : terminal_(terminal),
        started_(SteadyClock::now()),
        last_(terminal ? SteadyClock::time_point{} : started_) {}

  void on_progress(const app::ProgressCounts& counts) override {
    std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
    if (!lock.owns_lock()) return;  // someone is drawing; the next update catches up
    const auto now = SteadyClock::now();
    if (terminal_) {
      if (now - last_ < kBarInterval) return;
      last_ = now;
      draw_bar(counts, now);
      return;
    }
    const int decile = counts.total > 0 ? static_cast<int>(counts.done() * 10 / counts.total) : 0;
    if (now - last_ < kLineInterval && decile == last_decile_) return;
    last_ = now;
    last_decile_ = decile;
    std::fputs((line(counts, now) + "\n").c_str(), stderr);
  }

  void on_finish(const app::ProgressCounts& counts) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (terminal_ && counts.done() > 0) {
      draw_bar(counts, SteadyClock::now());
      std::fputs("\n", stderr);
    }
  }

 private:
  std::string line(const app::ProgressCounts& c, SteadyClock::time_point now) const {
    const double elapsed = std::chrono::duration<double>(now - started_).count();
    const double rate = elapsed > 0 ? static_cast<double>(c.done()) / elapsed : 0;
    std::string out =
        c.total > 0 ? fmt::format("{}/{}", c.done(), c.total) : fmt::format("{}", c.done());
    out += fmt::format("  {:.1f} items/s", rate);
    if (c.total > 0 && rate > 0) {
      out += "  ETA " + eta_text(static_cast<double>(c.total - c.done()) / rate);
    }
    if (c.failed > 0) out += fmt::format("  ({} failed)", c.failed);
    return out;
  }

  void draw_bar(const app::ProgressCounts& c, SteadyClock::time_point now) const {
    const int filled = c.total > 0 ? static_cast<int>(c.done() * kBarWidth / c.total) : 0;
    std::string bar(static_cast<std::size_t>(std::min(filled, kBarWidth)), '#');
    bar.resize(kBarWidth, '.');
    std::fputs(fmt::format("\r[{}] {}\x1b[K", bar, line(c, now)).c_str(), stderr);
    std::fflush(stderr);
  }

  const bool terminal_;
  const SteadyClock::time_point started_;
  std::mutex mu_;
  SteadyClock::time_point last_;  // guarded by mu_
  int last_decile_ = 0;           // guarded by mu_
};

}  // namespace

std::unique_ptr<app::ProgressListener> make_progress(bool terminal) {
  return std::make_unique<Progress>(terminal);
}

}  // namespace dlexport::cli
