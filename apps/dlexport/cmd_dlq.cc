// dlexport dlq list|redrive: the dead-letter table of the service's queue, from the command line.
// Works on the queue file directly (also while `dlexport serve` runs: SQLite WAL, busy timeout),
// so it needs no platform access and no control token.

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "apps/dlexport/command.h"
#include "common/json.h"
#include "config/config.h"
#include "queue/sqlite/sqlite_job_queue.h"

namespace dlexport::cli {
namespace {

constexpr const char* kFooter = R"(
Examples:
  dlexport dlq list                      # the dead letters, oldest failure first
  dlexport dlq list --json --limit 1000
  dlexport dlq redrive 17 42             # back to the queue, attempts reset
  dlexport dlq redrive --all
  dlexport dlq list --state-dir /var/lib/dlexport

The queue is <queue.state_dir>/queue.db from --config / DLEXPORT_* (as for `serve`), or the
directory given with --state-dir. A running service picks redriven jobs up at its next poll.
Exit codes: 0 ok, 1 the queue could not be read or written, 2 usage or configuration error.)";

std::string iso_time(Clock::TimePoint t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

class DlqCommand final : public Command {
 public:
  std::string_view name() const override { return "dlq"; }

  void configure(CLI::App& sub) override {
    sub.require_subcommand(1);
    sub.footer(kFooter);
    list_ = sub.add_subcommand("list", "List the dead letters");
    list_->add_option("--limit", limit_, "At most this many")->capture_default_str();
    list_->add_flag("--json", json_, "One JSON object per line instead of a table");
    redrive_ = sub.add_subcommand("redrive", "Move dead letters back to the queue");
    redrive_->add_flag("--all", all_, "Every dead letter");
    redrive_->add_option("ids", ids_, "Job ids (from `dlq list`)");
    for (CLI::App* app : {list_, redrive_}) {
      app->add_option("--config,-c", config_path_, "YAML config file (default: DLEXPORT_CONFIG)");
      app->add_option("--state-dir", state_dir_,
                      "Use this queue directory instead of loading the configuration");
    }
  }

  int run() override {
    if (redrive_->parsed() && all_ == !ids_.empty()) {
      std::cerr << "dlexport dlq redrive: give job ids or --all (not both)\n";
      return kExitUsage;
    }
    std::string state_dir = state_dir_;
    int max_attempts = config::QueueOptions{}.max_attempts;
    if (state_dir.empty()) {
      auto options = config::load(
          config_path_.empty() ? std::nullopt : std::optional<std::string>(config_path_),
          config::process_environment());
      if (!options) {
        std::cerr << "dlexport dlq: " << options.status().message() << "\n";
        return kExitUsage;
      }
      state_dir = options->queue.state_dir;
      max_attempts = options->queue.max_attempts;
    }
    const std::string path = (std::filesystem::path(state_dir) / queue::kQueueFileName).string();
    if (!std::filesystem::exists(path)) {
      std::cerr << "dlexport dlq: no queue at " << path << " (wrong --state-dir?)\n";
      return kExitFailure;
    }
    auto queue = queue::open_sqlite_job_queue({.path = path, .max_attempts = max_attempts});
    if (!queue) {
      std::cerr << "dlexport dlq: " << queue.status().to_string() << "\n";
      return kExitFailure;
    }
    return list_->parsed() ? list(**queue) : redrive(**queue);
  }

 private:
  int list(queue::JobQueue& queue) {
    auto dead = queue.dead_letters(limit_);
    if (!dead) {
      std::cerr << "dlexport dlq list: " << dead.status().to_string() << "\n";
      return kExitFailure;
    }
    if (json_) {
      for (const auto& d : *dead) {
        std::cout << Json{{"job_id", d.id},
                          {"target", d.target.key()},
                          {"item_id", d.item_id},
                          {"attempts", d.attempts},
                          {"enqueued_at", iso_time(d.enqueued_at)},
                          {"failed_at", iso_time(d.failed_at)},
                          {"last_error", d.last_error}}
                         .dump()
                  << "\n";
      }
      return kExitOk;
    }
    std::cout << fmt::format("{:>8}  {:<33}  {:<24}  {:>8}  {:<20}  {}\n", "JOB", "TARGET", "ITEM",
                             "ATTEMPTS", "FAILED", "LAST ERROR");
    for (const auto& d : *dead) {
      std::cout << fmt::format("{:>8}  {:<33}  {:<24}  {:>8}  {:<20}  {}\n", d.id, d.target.key(),
                               d.item_id, d.attempts, iso_time(d.failed_at), d.last_error);
    }
    std::cout << dead->size() << " dead letter(s)\n";
    return kExitOk;
  }

  int redrive(queue::JobQueue& queue) {
    auto redriven = all_ ? queue.redrive_all() : queue.redrive(ids_);
    if (!redriven) {
      std::cerr << "dlexport dlq redrive: " << redriven.status().to_string() << "\n";
      return kExitFailure;
    }
    std::cout << "redriven " << redriven->size() << " job(s)";
    for (queue::JobId id : *redriven) std::cout << " " << id;
    std::cout << "\n";
    if (!all_ && redriven->size() != ids_.size()) {
      std::cerr << "dlexport dlq redrive: " << ids_.size() - redriven->size()
                << " id(s) were not dead letters\n";
    }
    return kExitOk;
  }

  CLI::App* list_ = nullptr;
  CLI::App* redrive_ = nullptr;
  int limit_ = 100;
  bool json_ = false;
  bool all_ = false;
  std::vector<queue::JobId> ids_;
  std::string config_path_;
  std::string state_dir_;
};

}  // namespace

std::unique_ptr<Command> make_dlq_command() { return std::make_unique<DlqCommand>(); }

}  // namespace dlexport::cli
