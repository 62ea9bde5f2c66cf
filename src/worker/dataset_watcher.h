#pragma once
// DatasetWatcher: polls the configured `watch` entries (dataset, driver, optional DQL filter,
// interval) for items changed since the last poll and enqueues them for the entry's driver.
//
// - Cursor: per entry, stored in the queue database under "watch:<dataset_id>:<driver_id>", so a
//   restart continues where the last poll ended instead of exporting the whole dataset again.
//   Without a cursor (first start) the whole dataset (matching the filter) is enqueued once.
// - Query: the entry's filter ANDed with {"updatedAt": {"$gte": cursor}}. `$gte` rather than `$gt`
//   because several items can share the cursor's millisecond and one of them may be committed after
//   the poll that saw the others; the cursor therefore also keeps the ids already seen at exactly
//   that timestamp, and those are skipped. Timestamps compare as strings: the platform writes
//   them in one fixed ISO-8601 UTC form.
// - The cursor advances to the largest updatedAt seen and is persisted only after every page has
//   been enqueued. A crash mid-poll re-enqueues that poll's items on the next start; coalescing
//   makes the duplicates cheap and the exports are idempotent.
// - poll_once() is the unit of work (tests call it directly); start() runs every entry on its own
//   interval on one background thread until stop(). Platform errors are logged and counted
//   (dlexport_watch_polls_total{dataset, outcome}) and the entry is tried again at its next
//   interval.
//
// Thread-safety: poll_once() may run concurrently for different entries; start/stop from one
// thread. Dependencies must outlive the watcher.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "config/options.h"
#include "metrics/registry.h"
#include "queue/job_queue.h"
#include "worker/item_source.h"

namespace dlexport::worker {

// The queue cursor name of a watch entry.
std::string watch_cursor_name(const config::WatchOptions& watch);

class DatasetWatcher {
 public:
  // Validates every entry (ids, filter JSON, interval > 0); fails naming the entry.
  static Result<std::unique_ptr<DatasetWatcher>> create(std::vector<config::WatchOptions> watches,
                                                        ItemSource& items, queue::JobQueue& queue,
                                                        metrics::Registry& metrics,
                                                        std::function<void()> on_enqueued = {});
  ~DatasetWatcher();
  DatasetWatcher(const DatasetWatcher&) = delete;
  DatasetWatcher& operator=(const DatasetWatcher&) = delete;

  // Polls entry `index` once; returns how many items were enqueued.
  Result<int> poll_once(std::size_t index);
  std::size_t size() const { return entries_.size(); }

  void start();
  void stop();

 private:
  struct Entry {
    config::WatchOptions options;
    Json filter;  // DQL condition object, or null
  };
  DatasetWatcher(std::vector<Entry> entries, ItemSource& items, queue::JobQueue& queue,
                 metrics::Registry& metrics, std::function<void()> on_enqueued);
  void run();

  std::vector<Entry> entries_;
  ItemSource& items_;
  queue::JobQueue& queue_;
  metrics::CounterFamily& polls_;
  metrics::CounterFamily& enqueued_;
  std::function<void()> on_enqueued_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace dlexport::worker
