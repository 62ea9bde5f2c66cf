#include "app/driver_batch_exporter.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "cleanup/cleaner.h"
#include "cleanup/safety.h"
#include "controller/staging_datasets.h"
#include "sink/driver/driver_sink.h"

namespace dlexport::app {
namespace {

// Everything a batch of one driver needs, built once per driver and kept until an upload fails
// (then the next batch validates the driver again).
struct DriverState {
  dataloop::Driver driver;
  std::string staging_dataset_id;
  sink::SinkPtr sink;
  std::unique_ptr<cleanup::StagingCleaner> cleaner;
  std::unique_ptr<cleanup::CleanupHandler> handler;
};

struct Upload {
  std::size_t outcome;  // index into the outcomes
  std::string path;
  std::string bytes;
  std::string sha256;
  std::string staged_id;  // filled by the upload
};

class DriverBatchExporterImpl final : public DriverBatchExporter {
 public:
  explicit DriverBatchExporterImpl(DriverExporterDeps deps)
      : deps_(std::move(deps)), staging_(deps_.client, deps_.retry) {
    if (deps_.metrics != nullptr) {
      cleanup_runs_ = &deps_.metrics->counter("dlexport_cleanup_runs_total",
                                              "Staging cleanups by strategy and outcome.",
                                              {"strategy", "outcome"});
    }
  }

  std::vector<worker::ItemOutcome> export_batch(const queue::Target& target,
                                                std::span<const queue::Job> jobs,
                                                std::stop_token stop) override {
    std::vector<worker::ItemOutcome> outcomes;
    outcomes.reserve(jobs.size());
    for (const auto& job : jobs) outcomes.push_back({job.item_id, Status(), 0});
    auto fail_all = [&](const Status& status) {
      for (auto& o : outcomes) o.status = status;
      return outcomes;
    };
    if (target.kind != "driver") {
      return fail_all(Status(StatusCode::kUnimplemented, "target kind " + target.kind));
    }
    auto state = driver_state(target.id);
    if (!state) return fail_all(state.error());

    // Items, grouped by dataset for one annotation query each.
    std::vector<std::optional<dataloop::Item>> items(jobs.size());
    if (!fetch_items(jobs, items, outcomes, stop)) return cancel_unfinished(outcomes);
    std::map<std::string, std::vector<std::string>> ids_by_dataset;
    for (const auto& item : items) {
      if (item) ids_by_dataset[item->dataset_id].push_back(item->id);
    }
    // The annotations stay in their query pages' documents until the batch is encoded.
    std::vector<std::shared_ptr<const JsonDoc>> pages;
    std::unordered_map<std::string, std::vector<const JsonNode*>> annotations;
    std::unordered_map<std::string, Status> dataset_errors;
    for (const auto& [dataset_id, ids] : ids_by_dataset) {
      auto listed =
          deps_.client.list_annotation_nodes(dataset_id, ids, dataloop::AnnotationTypes::kAll);
      if (!listed) {
        dataset_errors[dataset_id] = listed.error().annotate(
            "annotation query failed (never exported without its annotations)");
        continue;
      }
      for (auto& [item_id, list] : listed->by_item) annotations[item_id] = std::move(list);
      for (auto& page : listed->pages) pages.push_back(std::move(page));
    }

    const std::string target_key = target.key();
    // What the ledger knows about the batch, in one query (a lookup failure uploads everything).
    std::unordered_map<std::string, queue::LedgerEntry> exported;
    if (deps_.ledger != nullptr) {
      std::vector<std::string> ids;
      for (const auto& item : items) {
        if (item) ids.push_back(item->id);
      }
      if (auto known = deps_.ledger->lookup_many(target_key, ids)) exported = std::move(*known);
    }
    std::vector<Upload> uploads;
    std::unordered_map<std::string, std::string> path_owner;  // path -> item id, this batch
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (!items[i]) continue;
      const dataloop::Item& item = *items[i];
      if (auto err = dataset_errors.find(item.dataset_id); err != dataset_errors.end()) {
        outcomes[i].status = err->second;
        continue;
      }
      auto path = deps_.path_template.render(*item.raw);
      if (!path) {
        outcomes[i].status = invalid_argument("no valid object path: " + path.error().message());
        continue;
      }
      auto [owner, fresh] = path_owner.try_emplace(*path, item.id);
      if (!fresh && owner->second != item.id) {
        outcomes[i].status = invalid_argument(fmt::format(
            "path collision: items {} and {} both map to {} with path template '{}'; use e.g. "
            "export.path_template: '{{dir}}/{{name}}.json'",
            owner->second, item.id, *path, deps_.path_template.text()));
        continue;
      }
      auto encoded = deps_.format.encode(*item.raw, annotations[item.id]);
      if (!encoded) {
        outcomes[i].status = encoded.error().annotate("cannot encode");
        continue;
      }
      for (const auto& warning : encoded->warnings) spdlog::warn("item {}: {}", item.id, warning);
      std::string digest = queue::sha256_hex(encoded->bytes);
      if (auto entry = exported.find(item.id);
          entry != exported.end() && queue::ledger_unchanged(entry->second, *path, digest)) {
        continue;  // ok, 0 bytes
      }
      uploads.push_back(Upload{i, *path, std::move(encoded->bytes), std::move(digest), {}});
    }

    upload_all(**state, uploads, outcomes, stop);

    std::vector<std::string> staged;
    std::vector<queue::LedgerEntry> entries;
    bool upload_failed = false;
    for (const Upload& u : uploads) {
      const Status& status = outcomes[u.outcome].status;
      if (status.is_ok()) {
        outcomes[u.outcome].bytes = u.bytes.size();
        if (!u.staged_id.empty()) staged.push_back(u.staged_id);
        entries.push_back({target_key, jobs[u.outcome].item_id, u.path, u.sha256});
      } else if (status.code() != StatusCode::kCancelled) {
        upload_failed = true;
      }
    }
    if (deps_.ledger != nullptr && !entries.empty()) {
      Status recorded = deps_.ledger->record(entries);
      if (!recorded.is_ok()) spdlog::warn("export ledger: {}", recorded.to_string());
    }
    if (!staged.empty()) {
      Status cleaned = (*state)->handler->after_batch(staged);
      count_cleanup("after_batch", cleaned);
      if (!cleaned.is_ok()) {
        spdlog::warn("cleanup after a batch of {} items: {} (exported files are not affected)",
                     staged.size(), cleaned.to_string());
      }
    }
    if (upload_failed) forget_driver(target.id);
    return outcomes;
  }

  Status on_shutdown() override {
    Status first;
    for (auto& state : known_drivers()) {
      Status status = state->handler->on_shutdown();
      if (deps_.cleanup_options.on_shutdown) count_cleanup("on_shutdown", status);
      if (!status.is_ok() && first.is_ok()) first = status;
    }
    return first;
  }

  Status cleanup_all() override {
    Status first;
    for (auto& state : known_drivers()) {
      Status status = state->cleaner->delete_all();
      count_cleanup("schedule", status);
      if (!status.is_ok() && first.is_ok()) first = status;
    }
    return first;
  }

 private:
  Result<std::shared_ptr<DriverState>> driver_state(const std::string& driver_id) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = drivers_.find(driver_id); it != drivers_.end()) return it->second;
    }
    // One validation per attempt; the platform calls are not retried here (the queue retries).
    auto driver = deps_.client.get_driver(driver_id);
    if (!driver) return cleanup::driver_lookup_error(driver_id, driver.error());
    DLX_RETURN_IF_ERROR(cleanup::check_driver_safe(*driver));
    auto staging = staging_.ensure(*driver);
    if (!staging) return staging.error().annotate("staging dataset of driver " + driver_id);
    auto state = std::make_shared<DriverState>();
    state->driver = *driver;
    state->staging_dataset_id = staging->dataset.id;
    state->sink = sink::make_driver_sink(deps_.client, {driver->id, staging->dataset.id});
    state->cleaner = std::make_unique<cleanup::StagingCleaner>(
        deps_.client, deps_.retry, cleanup::StagingTarget{driver->id, staging->dataset.id});
    state->handler =
        std::make_unique<cleanup::CleanupHandler>(*state->cleaner, deps_.cleanup_options);
    std::lock_guard<std::mutex> lock(mu_);
    // A concurrent batch may have won; keep the first so on_shutdown sees one handler per driver.
    auto [it, fresh] = drivers_.try_emplace(driver_id, state);
    return it->second;
  }

  std::vector<std::shared_ptr<DriverState>> known_drivers() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::shared_ptr<DriverState>> states;
    for (auto& [id, state] : drivers_) states.push_back(state);
    return states;
  }

  void forget_driver(const std::string& driver_id) {
    std::lock_guard<std::mutex> lock(mu_);
    drivers_.erase(driver_id);
  }

  void upload_all(DriverState& state, std::vector<Upload>& uploads,
                  std::vector<worker::ItemOutcome>& outcomes, const std::stop_token& stop) {
    if (uploads.empty()) return;
    std::atomic<std::size_t> next{0};
    auto run = [&] {
      for (std::size_t i = next++; i < uploads.size(); i = next++) {
        Upload& u = uploads[i];
        if (stop.stop_requested()) {
          outcomes[u.outcome].status = Status(StatusCode::kCancelled, "shutting down");
          continue;
        }
        sink::PutRequest put{u.path, u.bytes, deps_.format.content_type(),
                             outcomes[u.outcome].item_id};
        auto receipt = state.sink->put(put);
        if (receipt) {
          u.staged_id = receipt->staged_item_id;
        } else {
          outcomes[u.outcome].status = receipt.error().annotate("upload " + u.path);
        }
      }
    };
    const std::size_t threads = std::min<std::size_t>(
        uploads.size(),
        static_cast<std::size_t>(std::max(1, deps_.export_options.concurrency / 4)));
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(run);
    run();
    for (auto& t : pool) t.join();
  }

  // Reads a batch's items: a GET for the first, then ONE `id $in` query in its dataset for the
  // rest (a batch usually comes from one dataset export or one dataset's events), then a GET for
  // each id the query did not return (another dataset, a hidden item, a failed query). About one
  // call per batch instead of one per item. False when stopped.
  // Reads the batch's items: by `id $in` queries, which need the dataset (the queue holds item
  // ids only). The dataset of the previous batch is tried first (a stream of jobs mostly comes
  // from one dataset), else the first item is read on its own for its dataset; whatever a query
  // did not find is read one by one. False when stopped.
  bool fetch_items(std::span<const queue::Job> jobs,
                   std::vector<std::optional<dataloop::Item>>& items,
                   std::vector<worker::ItemOutcome>& outcomes, const std::stop_token& stop) {
    auto get_one = [&](std::size_t i) {
      auto item = deps_.client.get_item(jobs[i].item_id);
      if (!item) {
        outcomes[i].status =
            item.error().code() == StatusCode::kNotFound
                ? Status(StatusCode::kNotFound,
                         fmt::format("item {} no longer exists (GET /items answered 404)",
                                     jobs[i].item_id))
                : item.error().annotate("GET /items/" + jobs[i].item_id);
        return;
      }
      items[i] = std::move(*item);
    };
    if (jobs.empty()) return true;
    if (stop.stop_requested()) return false;
    const std::string remembered = last_dataset();
    if (!remembered.empty() && jobs.size() > 1) query_items_in(remembered, jobs, items, stop);
    if (!items[0]) {
      get_one(0);
      if (items[0] && items[0]->dataset_id != remembered && jobs.size() > 1) {
        query_items_in(items[0]->dataset_id, jobs, items, stop);
      }
    }
    if (items[0]) remember_dataset(items[0]->dataset_id);
    for (std::size_t i = 1; i < jobs.size(); ++i) {
      if (items[i]) continue;
      if (stop.stop_requested()) return false;
      get_one(i);
    }
    return true;
  }

  // The batch's unread items that are in `dataset_id`, in one query (paged).
  void query_items_in(const std::string& dataset_id, std::span<const queue::Job> jobs,
                      std::vector<std::optional<dataloop::Item>>& items,
                      const std::stop_token& stop) {
    std::unordered_map<std::string, std::size_t> index;  // id -> job; first job per id
    Json ids = Json::array();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (!items[i] && index.emplace(jobs[i].item_id, i).second) ids.push_back(jobs[i].item_id);
    }
    if (index.empty()) return;
    dataloop::ItemFilter filter;
    filter.conditions.push_back(Json{{"id", Json{{"$in", std::move(ids)}}}});
    dataloop::ItemPager pager = deps_.client.query_items(dataset_id, filter);
    while (!pager.done() && !stop.stop_requested()) {
      auto page = pager.next();
      if (!page) {
        spdlog::warn("reading {} items of dataset {} in one query: {}; reading them one by one",
                     index.size(), dataset_id, page.error().to_string());
        return;
      }
      for (auto& item : *page) {
        auto it = index.find(item.id);
        if (it != index.end() && !items[it->second]) items[it->second] = std::move(item);
      }
    }
  }

  std::string last_dataset() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_dataset_;
  }
  void remember_dataset(const std::string& dataset_id) {
    std::lock_guard<std::mutex> lock(mu_);
    last_dataset_ = dataset_id;
  }

  static std::vector<worker::ItemOutcome>& cancel_unfinished(
      std::vector<worker::ItemOutcome>& outcomes) {
    for (auto& o : outcomes) o.status = Status(StatusCode::kCancelled, "shutting down");
    return outcomes;
  }

  void count_cleanup(const char* strategy, const Status& status) {
    if (cleanup_runs_ != nullptr) {
      cleanup_runs_->with({strategy, status.is_ok() ? "ok" : "error"}).inc();
    }
  }

  DriverExporterDeps deps_;
  controller::StagingDatasets staging_;
  metrics::CounterFamily* cleanup_runs_ = nullptr;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<DriverState>> drivers_;  // guarded by mu_
  std::string last_dataset_;  // guarded by mu_: where the last batch's first item was
};

}  // namespace

std::unique_ptr<DriverBatchExporter> make_driver_batch_exporter(DriverExporterDeps deps) {
  return std::make_unique<DriverBatchExporterImpl>(std::move(deps));
}

}  // namespace dlexport::app
