#include "worker/dataset_watcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace dlexport::worker {
namespace {

bool is_hex_id(const std::string& id) {
  return id.size() == 24 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

// The persisted cursor: the largest updatedAt seen and the ids seen at exactly that time.
struct Cursor {
  std::string updated_at;
  std::set<std::string> ids_at;
};

Cursor parse_cursor(const std::optional<std::string>& text) {
  Cursor cursor;
  if (!text) return cursor;
  try {
    const Json json = Json::parse(*text);
    cursor.updated_at = json.value("updated_at", "");
    if (auto it = json.find("ids_at"); it != json.end() && it->is_array()) {
      for (const Json& id : *it) {
        if (id.is_string()) cursor.ids_at.insert(id.get<std::string>());
      }
    }
  } catch (const Json::exception&) {
    // A damaged cursor costs one full re-scan, which coalescing and idempotent writes absorb.
    spdlog::warn("watch: unreadable cursor, scanning the whole dataset again");
    cursor = {};
  }
  return cursor;
}

std::string cursor_text(const Cursor& cursor) {
  return Json{{"updated_at", cursor.updated_at},
              {"ids_at", std::vector<std::string>(cursor.ids_at.begin(), cursor.ids_at.end())}}
      .dump();
}

}  // namespace

std::string watch_cursor_name(const config::WatchOptions& watch) {
  return fmt::format("watch:{}:{}", watch.dataset_id, watch.driver_id);
}

Result<std::unique_ptr<DatasetWatcher>> DatasetWatcher::create(
    std::vector<config::WatchOptions> watches, ItemSource& items, queue::JobQueue& queue,
    metrics::Registry& metrics, std::function<void()> on_enqueued) {
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < watches.size(); ++i) {
    const config::WatchOptions& w = watches[i];
    if (!is_hex_id(w.dataset_id)) {
      return invalid_argument(fmt::format("watch[{}].dataset_id must be a 24-hex-digit id", i));
    }
    if (!is_hex_id(w.driver_id)) {
      return invalid_argument(fmt::format("watch[{}].driver_id must be a 24-hex-digit id", i));
    }
    if (w.interval_ms <= 0) {
      return invalid_argument(fmt::format("watch[{}].interval_ms must be positive", i));
    }
    Json filter;
    if (!w.filter.empty()) {
      try {
        filter = Json::parse(w.filter);
      } catch (const Json::exception&) {
        return invalid_argument(fmt::format("watch[{}].filter is not valid JSON", i));
      }
      if (!filter.is_object()) {
        return invalid_argument(fmt::format("watch[{}].filter must be a JSON object", i));
      }
    }
    entries.push_back(Entry{w, std::move(filter)});
  }
  return std::unique_ptr<DatasetWatcher>(
      new DatasetWatcher(std::move(entries), items, queue, metrics, std::move(on_enqueued)));
}

DatasetWatcher::DatasetWatcher(std::vector<Entry> entries, ItemSource& items,
                               queue::JobQueue& queue, metrics::Registry& metrics,
                               std::function<void()> on_enqueued)
    : entries_(std::move(entries)),
      items_(items),
      queue_(queue),
      polls_(metrics.counter("dlexport_watch_polls_total",
                             "Dataset watcher polls by dataset and outcome (ok, error).",
                             {"dataset", "outcome"})),
      enqueued_(metrics.counter("dlexport_enqueued_items_total",
                                "Items enqueued, by source (api, dataset, webhook).", {"source"})),
      on_enqueued_(std::move(on_enqueued)) {}

DatasetWatcher::~DatasetWatcher() { stop(); }

Result<int> DatasetWatcher::poll_once(std::size_t index) {
  const Entry& entry = entries_.at(index);
  const std::string cursor_name = watch_cursor_name(entry.options);
  DLX_ASSIGN_OR_RETURN(auto stored, queue_.get_cursor(cursor_name));
  const Cursor previous = parse_cursor(stored);

  Json conditions = Json::array();
  if (!entry.filter.is_null() && !entry.filter.empty()) conditions.push_back(entry.filter);
  if (!previous.updated_at.empty()) {
    conditions.push_back({{"updatedAt", {{"$gte", previous.updated_at}}}});
  }

  Cursor next = previous;
  int enqueued = 0;
  const queue::Target target = queue::Target::driver(entry.options.driver_id);
  const Status scanned = items_.scan(
      entry.options.dataset_id, conditions, [&](const std::vector<ItemRef>& page) -> Status {
        std::vector<std::string> ids;
        for (const ItemRef& ref : page) {
          // Already enqueued by the poll that set the cursor.
          if (!previous.updated_at.empty() && ref.updated_at == previous.updated_at &&
              previous.ids_at.count(ref.id) > 0) {
            continue;
          }
          ids.push_back(ref.id);
          if (ref.updated_at > next.updated_at) {
            next.updated_at = ref.updated_at;
            next.ids_at.clear();
          }
          if (!ref.updated_at.empty() && ref.updated_at == next.updated_at) {
            next.ids_at.insert(ref.id);
          }
        }
        if (ids.empty()) return {};
        DLX_ASSIGN_OR_RETURN(auto job_ids, queue_.enqueue(target, ids));
        enqueued += static_cast<int>(job_ids.size());
        return {};
      });
  if (!scanned.is_ok()) {
    polls_.with({entry.options.dataset_id, "error"}).inc();
    return scanned.annotate(fmt::format("watch dataset {}", entry.options.dataset_id));
  }
  if (enqueued > 0) {
    enqueued_.with({"watch"}).inc(enqueued);
    if (on_enqueued_) on_enqueued_();
  }
  // Only after everything is enqueued: a crash before this line re-reads the same changes.
  if (next.updated_at != previous.updated_at || next.ids_at != previous.ids_at || !stored) {
    DLX_RETURN_IF_ERROR(queue_.set_cursor(cursor_name, cursor_text(next)));
  }
  polls_.with({entry.options.dataset_id, "ok"}).inc();
  return enqueued;
}

void DatasetWatcher::start() {
  if (entries_.empty() || thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void DatasetWatcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DatasetWatcher::run() {
  using Steady = std::chrono::steady_clock;
  std::vector<Steady::time_point> due(entries_.size(), Steady::now());
  for (;;) {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (Steady::now() < due[i]) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
      }
      auto polled = poll_once(i);
      if (!polled) {
        spdlog::warn("{}", polled.status().to_string());
      } else if (*polled > 0) {
        spdlog::info("watch dataset {}: enqueued {} changed item(s) for driver {}",
                     entries_[i].options.dataset_id, *polled, entries_[i].options.driver_id);
      }
      due[i] = Steady::now() + std::chrono::milliseconds(entries_[i].options.interval_ms);
    }
    const auto next = *std::min_element(due.begin(), due.end());
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_until(lock, next, [&] { return stopping_; })) return;
  }
}

}  // namespace dlexport::worker
