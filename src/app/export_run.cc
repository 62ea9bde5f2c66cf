#include "app/export_run.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "cleanup/cleaner.h"
#include "cleanup/cron.h"
#include "cleanup/safety.h"
#include "cleanup/scheduler.h"
#include "controller/staging_datasets.h"
#include "queue/sqlite/sqlite_path_claims.h"
#include "sink/driver/driver_sink.h"
#include "worker/bounded_queue.h"
#include "worker/retrying.h"

namespace dlexport::app {
namespace {

// At most this many preparer threads: each handles a whole batch (one annotation query, then
// CPU-bound encoding), so a few keep many uploaders busy.
constexpr int kMaxPreparers = 4;
// Uploads in flight per upload engine thread (see ExportPipeline); more concurrency means more
// engines, so one engine's completions (answer parsing, bookkeeping) cannot become the limit.
// At concurrency 32 one engine used less CPU per item than two (fewer, fuller waits) at the same
// throughput, with and without 20 ms of latency.
constexpr int kUploadsPerEngine = 32;
// How long an idle engine waits before it looks at the queue again even without a wake-up.
constexpr auto kEngineIdleWait = std::chrono::milliseconds(100);
// Re-reading the driver after an upload failure happens at most this often; other failures in
// between reuse the last answer.
constexpr auto kDriverRecheckInterval = std::chrono::seconds(2);

struct Batch {
  std::vector<dataloop::Item> items;  // listed items (dataset mode)
  std::vector<std::string> ids;       // ids still to fetch (--item mode)
};

struct BatchState {
  std::mutex mu;
  std::size_t pending = 0;                  // uploads not finished yet; guarded by mu
  std::vector<std::string> staged;          // guarded by mu
  std::vector<queue::LedgerEntry> entries;  // guarded by mu
};

// An item of a batch with its rendered object path, before the collision check.
struct Placed {
  const dataloop::Item* item = nullptr;
  std::string path;
  bool refused = false;  // failed by the collision check
};

struct UploadTask {
  std::shared_ptr<BatchState> batch;
  std::string item_id;
  std::string path;
  std::string bytes;
  std::string sha256;
};

// Work for the helper threads: an upload whose first attempt failed (retried there with the
// policy's backoff; it still counts against its engine's concurrency until it is done), or a
// batch whose uploads are all done (ledger, cleanup).
struct HelperJob {
  std::optional<UploadTask> upload;
  Status first_failure;
  std::size_t engine = 0;  // whose upload it is
  std::shared_ptr<BatchState> completed;
};

class ExportPipeline {
 public:
  ExportPipeline(const ExportDeps& deps, const ExportRequest& request, std::string driver_id,
                 sink::Sink& sink, cleanup::CleanupHandler& cleanup, queue::PathClaims& path_claims,
                 ExportReport& report)
      : deps_(deps),
        request_(request),
        driver_id_(std::move(driver_id)),
        target_key_(driver_target_key(driver_id_)),
        sink_(sink),
        cleanup_(cleanup),
        path_claims_(path_claims),
        report_(report),
        preparers_(std::clamp(deps.export_options.concurrency / 8, 1, kMaxPreparers)),
        uploaders_(std::max(1, deps.export_options.concurrency)),
        engines_((uploaders_ + kUploadsPerEngine - 1) / kUploadsPerEngine),
        batches_(static_cast<std::size_t>(preparers_) * 2),
        uploads_(static_cast<std::size_t>(uploaders_) * 2),
        helper_jobs_(static_cast<std::size_t>(uploaders_)) {}

  // Threads: the lister (the caller), preparers (annotations, encoding, digests), upload engines
  // and helpers. An engine keeps up to kUploadsPerEngine uploads in flight on one thread through
  // a sink::PutStream, so `concurrency` requests are in flight without a thread blocked per
  // request (each such block is a wake-up and a context switch per file). An upload whose first
  // attempt fails goes to a helper, which retries it under the RetryPolicy exactly as a blocking
  // uploader would; helpers also finish batches (ledger, cleanup calls), which must not stall an
  // engine. There are `concurrency` helpers, so retries under a failure storm proceed as before.
  void run() {
    std::vector<std::unique_ptr<sink::PutStream>> streams;
    for (int i = 0; i < engines_; ++i) streams.push_back(sink_.open_stream());
    engines_hungry_ = std::vector<std::atomic<bool>>(static_cast<std::size_t>(engines_));
    engines_lent_ = std::vector<std::atomic<int>>(static_cast<std::size_t>(engines_));
    for (auto& stream : streams) engine_streams_.push_back(stream.get());

    std::vector<std::thread> threads;
    for (int i = 0; i < preparers_; ++i) threads.emplace_back([this] { prepare_loop(); });
    std::vector<std::thread> engine_threads;
    for (int i = 0; i < engines_; ++i) {
      const int limit = uploaders_ / engines_ + (i < uploaders_ % engines_ ? 1 : 0);
      engine_threads.emplace_back([this, i, limit] {
        engine_loop(*engine_streams_[static_cast<std::size_t>(i)], i, limit);
      });
    }
    std::vector<std::thread> helper_threads;
    for (int i = 0; i < uploaders_; ++i) helper_threads.emplace_back([this] { helper_loop(); });
    list();
    batches_.close();
    for (auto& t : threads) t.join();
    uploads_.close();
    for (auto* stream : engine_streams_) stream->wakeup();
    for (auto& t : engine_threads) t.join();
    helper_jobs_.close();
    for (auto& t : helper_threads) t.join();
    std::lock_guard<std::mutex> lock(mu_);
    report_.counts = counts_locked();
  }

 private:
  bool stopping() const { return deps_.stop != nullptr && deps_.stop->load(); }

  // --- lister ---------------------------------------------------------------------------------

  void list() {
    const auto batch_size = static_cast<std::size_t>(std::max(1, deps_.export_options.batch_size));
    if (!request_.item_ids.empty()) {
      std::vector<std::string> ids;
      std::unordered_set<std::string> seen;
      for (const auto& id : request_.item_ids) {
        if (seen.insert(id).second) ids.push_back(id);
      }
      total_.store(static_cast<std::int64_t>(ids.size()));
      for (std::size_t start = 0; start < ids.size() && !stopping(); start += batch_size) {
        Batch batch;
        const std::size_t end = std::min(ids.size(), start + batch_size);
        batch.ids.assign(ids.begin() + static_cast<std::ptrdiff_t>(start),
                         ids.begin() + static_cast<std::ptrdiff_t>(end));
        batches_.push(std::move(batch));
      }
      if (stopping()) mark_interrupted();
      return;
    }
    dataloop::ItemFilter filter;
    if (request_.query.is_array()) {
      for (const auto& c : request_.query) filter.conditions.push_back(c);
    } else if (request_.query.is_object()) {
      filter.conditions.push_back(request_.query);
    }
    dataloop::ItemPager pager = deps_.client.query_items(request_.dataset_id, filter);
    while (!pager.done()) {
      if (stopping()) {
        mark_interrupted();
        return;
      }
      auto page = worker::retrying(deps_.retry, "list items of dataset " + request_.dataset_id,
                                   [&] { return pager.next(); });
      if (!page) {
        const Status error =
            page.error().annotate(fmt::format("listing items of dataset {}", request_.dataset_id));
        spdlog::error("{}", error.to_string());
        std::lock_guard<std::mutex> lock(mu_);
        report_.fatal = error;
        return;
      }
      if (pager.pages_fetched() == 1) total_.store(pager.total_items());
      for (std::size_t start = 0; start < page->size(); start += batch_size) {
        Batch batch;
        const std::size_t end = std::min(page->size(), start + batch_size);
        for (std::size_t i = start; i < end; ++i) batch.items.push_back(std::move((*page)[i]));
        batches_.push(std::move(batch));
      }
    }
  }

  void mark_interrupted() {
    std::lock_guard<std::mutex> lock(mu_);
    report_.interrupted = true;
  }

  // --- preparers ------------------------------------------------------------------------------

  void prepare_loop() {
    while (auto batch = batches_.pop()) prepare(std::move(*batch));
  }

  void fetch_items(Batch& batch) {
    for (const auto& id : batch.ids) {
      auto item = worker::retrying(deps_.retry, "GET /items/" + id,
                                   [&] { return deps_.client.get_item(id); });
      if (!item) {
        fail(id, item.error().code() == StatusCode::kNotFound
                     ? "item not found (GET /items/" + id + " answered 404)"
                     : "cannot read the item: " + item.error().to_string());
        continue;
      }
      batch.items.push_back(std::move(*item));
    }
    batch.ids.clear();
  }

  // What the ledger knows about the batch's items (one query); empty with --force, without a
  // ledger, or when the lookup fails (then everything is uploaded, which is always safe).
  std::unordered_map<std::string, queue::LedgerEntry> ledger_entries(
      const std::vector<dataloop::Item>& items) {
    if (deps_.ledger == nullptr || request_.force || items.empty()) return {};
    std::vector<std::string> ids;
    ids.reserve(items.size());
    for (const auto& item : items) ids.push_back(item.id);
    auto entries = deps_.ledger->lookup_many(target_key_, ids);
    if (!entries) {
      spdlog::warn("export ledger lookup failed ({}); uploading {} items anyway",
                   entries.error().to_string(), items.size());
      return {};
    }
    return std::move(*entries);
  }

  void prepare(Batch batch) {
    if (!batch.ids.empty()) fetch_items(batch);
    if (auto gone = driver_gone_reason()) {
      for (const auto& item : batch.items) fail(item.id, *gone);
      return;
    }
    // One annotation query (chunked by the client) per dataset of the batch; listed batches
    // always hold one dataset, --item batches may mix several.
    std::unordered_map<std::string, std::vector<std::string>> ids_by_dataset;
    std::vector<std::string> dataset_order;
    for (const auto& item : batch.items) {
      auto [it, fresh] = ids_by_dataset.try_emplace(item.dataset_id);
      if (fresh) dataset_order.push_back(item.dataset_id);
      it->second.push_back(item.id);
    }
    // The annotations stay in their query pages' documents until the batch is encoded.
    std::vector<std::shared_ptr<const JsonDoc>> pages;
    std::unordered_map<std::string, std::vector<const JsonNode*>> annotations;
    std::unordered_map<std::string, std::string> annotation_errors;  // dataset -> reason
    for (const auto& dataset_id : dataset_order) {
      const auto& ids = ids_by_dataset[dataset_id];
      auto listed = worker::retrying(deps_.retry, "annotations of dataset " + dataset_id, [&] {
        return deps_.client.list_annotation_nodes(dataset_id, ids, dataloop::AnnotationTypes::kAll);
      });
      if (!listed) {
        annotation_errors[dataset_id] =
            "annotation query failed (the item is not exported without its annotations): " +
            listed.error().to_string();
        spdlog::warn("annotations of {} items in dataset {}: {}", ids.size(), dataset_id,
                     listed.error().to_string());
        continue;
      }
      for (auto& [item_id, list] : listed->by_item) annotations[item_id] = std::move(list);
      for (auto& page : listed->pages) pages.push_back(std::move(page));
    }

    const auto exported = ledger_entries(batch.items);

    // Every path of the batch first, so the batch claims them in one call.
    std::vector<Placed> placed;
    placed.reserve(batch.items.size());
    for (const auto& item : batch.items) {
      if (auto err = annotation_errors.find(item.dataset_id); err != annotation_errors.end()) {
        fail(item.id, err->second);
        continue;
      }
      auto path = deps_.path_template.render(*item.raw);
      if (!path) {
        fail(item.id, "no valid object path: " + path.error().message());
        continue;
      }
      placed.push_back(Placed{&item, std::move(*path)});
    }
    claim_paths(placed);

    auto state = std::make_shared<BatchState>();
    std::vector<UploadTask> tasks;
    tasks.reserve(placed.size());
    for (auto& p : placed) {
      if (p.refused) continue;
      const dataloop::Item& item = *p.item;
      static const std::vector<const JsonNode*> kNone;
      const auto it = annotations.find(item.id);
      auto encoded = deps_.format.encode(*item.raw, it == annotations.end() ? kNone : it->second);
      if (!encoded) {
        fail(item.id, "cannot encode: " + encoded.error().to_string());
        continue;
      }
      for (const auto& warning : encoded->warnings) {
        spdlog::warn("item {}: {}", item.id, warning);
      }
      std::string digest = queue::sha256_hex(encoded->bytes);
      if (auto entry = exported.find(item.id);
          entry != exported.end() && queue::ledger_unchanged(entry->second, p.path, digest)) {
        succeed(true);
        continue;
      }
      tasks.push_back(UploadTask{state, item.id, std::move(p.path), std::move(encoded->bytes),
                                 std::move(digest)});
    }
    if (tasks.empty()) return;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->pending = tasks.size();
    }
    for (auto& task : tasks) {
      uploads_.push(std::move(task));
      feed_engines();
    }
  }

  // Claims the batch's paths in one call and fails (marks `refused`) every item whose path
  // another item of this run already holds. When the claims cannot be checked the whole batch
  // fails: failing an item is safe, overwriting one is not.
  void claim_paths(std::vector<Placed>& placed) {
    if (placed.empty()) return;
    std::vector<queue::PathClaim> claims;
    claims.reserve(placed.size());
    for (const auto& p : placed) claims.push_back({queue::path_hash(p.path), p.item->id});
    auto conflicts = path_claims_.claim(claims);
    if (!conflicts) {
      spdlog::error("path collision check failed for a batch of {} items: {}", placed.size(),
                    conflicts.error().to_string());
      for (auto& p : placed) {
        p.refused = true;
        fail(p.item->id,
             "cannot check for path collisions (the item is not exported so that no other item's "
             "file is overwritten): " +
                 conflicts.error().to_string());
      }
      return;
    }
    for (const auto& conflict : *conflicts) {
      Placed& p = placed[conflict.index];
      if (auto collision = collision_message(*p.item, p.path, conflict.first_item_id)) {
        p.refused = true;
        fail(p.item->id, *collision);
      }
    }
  }

  // The collision message when `first_id`, which claimed the same path hash earlier, really maps
  // to `path`. Re-reads the first item (the index keeps only hashes and ids) to name its file and
  // to be exact: a different path is a hash clash, not a collision. When it cannot be read, the
  // collision is reported: failing an item is safe, overwriting one is not.
  std::optional<std::string> collision_message(const dataloop::Item& item, const std::string& path,
                                               const std::string& first_id) {
    std::string first_filename = "?";
    auto other = worker::retrying(deps_.retry, "GET /items/" + first_id,
                                  [&] { return deps_.client.get_item(first_id); });
    if (other) {
      auto other_path = deps_.path_template.render(*other->raw);
      if (other_path && *other_path != path) return std::nullopt;
      first_filename = other->filename;
    }
    return fmt::format(
        "path collision: item {} ('{}') and item {} ('{}') both map to {} with path template "
        "'{}'; the second is not exported so the first is not overwritten. Use a template that "
        "keeps the extension, e.g. export.path_template: '{{dir}}/{{name}}.json'",
        first_id, first_filename, item.id, item.filename, path, deps_.path_template.text());
  }

  // --- upload engines --------------------------------------------------------------------------

  // Wakes engines that wait for work (an engine blocked in the stream's poll() would otherwise
  // see new tasks only when one of its uploads completes).
  void feed_engines() {
    for (std::size_t i = 0; i < engine_streams_.size(); ++i) {
      if (engines_hungry_[i].exchange(false)) engine_streams_[i]->wakeup();
    }
  }

  void engine_loop(sink::PutStream& stream, int index, int limit) {
    const auto engine = static_cast<std::size_t>(index);
    std::atomic<bool>& hungry = engines_hungry_[engine];
    std::atomic<int>& lent = engines_lent_[engine];
    // Uploads in flight here plus those a helper is retrying: together at most `limit`, like
    // `limit` blocking uploaders (a retrying one included).
    auto busy = [&] { return stream.in_flight() + static_cast<std::size_t>(lent.load()); };
    const auto capacity = static_cast<std::size_t>(limit);
    for (;;) {
      while (busy() < capacity) {
        std::optional<UploadTask> task = uploads_.try_pop();
        if (!task) {
          // Announce the appetite, then look again: a task pushed before the flag was set is
          // seen here, one pushed after it comes with a wake-up.
          hungry.store(true);
          task = uploads_.try_pop();
          if (!task) break;
          hungry.store(false);
        }
        start_upload(stream, engine, std::move(*task));
      }
      if (busy() == 0 && uploads_.drained()) return;
      stream.poll(kEngineIdleWait);
      hungry.store(false);
    }
  }

  void start_upload(sink::PutStream& stream, std::size_t engine, UploadTask task) {
    if (auto gone = driver_gone_reason()) {
      finish_upload(std::move(task), std::move(gone), {});
      return;
    }
    // Owned by the completion: the stream borrows the bytes until then.
    auto owned = std::make_shared<UploadTask>(std::move(task));
    sink::PutRequest put{owned->path, owned->bytes, deps_.format.content_type(), owned->item_id};
    stream.start(put, [this, owned, engine](Result<sink::PutReceipt> receipt) {
      if (receipt) {
        finish_upload(std::move(*owned), std::nullopt, receipt->staged_item_id);
        return;
      }
      ++engines_lent_[engine];
      helper_jobs_.push(HelperJob{std::move(*owned), receipt.error(), engine, nullptr});
    });
  }

  // --- helpers --------------------------------------------------------------------------------

  void helper_loop() {
    while (auto job = helper_jobs_.pop()) {
      if (job->upload) {
        upload_with_retries(std::move(*job->upload), std::move(job->first_failure));
        // The engine's slot is free again; it may be waiting for exactly that.
        --engines_lent_[job->engine];
        engine_streams_[job->engine]->wakeup();
      }
      if (job->completed) complete_batch(*job->completed);
    }
  }

  // The blocking upload with retries, after an engine's first attempt failed with
  // `first_failure`: the policy counts that as attempt 1 (same backoff, same Retry-After, same
  // attempt limit as if this thread had made it).
  void upload_with_retries(UploadTask task, Status first_failure) {
    std::optional<std::string> failure = driver_gone_reason();
    std::string staged_id;
    if (!failure) {
      sink::PutRequest put{task.path, task.bytes, deps_.format.content_type(), task.item_id};
      bool replay = true;
      auto receipt =
          worker::retrying(deps_.retry, "upload " + task.path, [&]() -> Result<sink::PutReceipt> {
            if (replay) {
              replay = false;
              return first_failure;
            }
            return sink_.put(put);
          });
      if (receipt) {
        staged_id = receipt->staged_item_id;
      } else {
        failure = driver_failure_reason().value_or("upload failed: " + receipt.error().to_string());
      }
    }
    finish_upload(std::move(task), std::move(failure), staged_id, /*on_helper=*/true);
  }

  // Counts the upload and adds it to its batch; the batch's last upload finishes the batch, on a
  // helper (right here when this already is one).
  void finish_upload(UploadTask task, std::optional<std::string> failure,
                     const std::string& staged_id, bool on_helper = false) {
    if (failure) {
      fail(task.item_id, *failure);
    } else {
      succeed(false);
    }
    bool last = false;
    {
      std::lock_guard<std::mutex> lock(task.batch->mu);
      if (!failure) {
        if (!staged_id.empty()) task.batch->staged.push_back(staged_id);
        task.batch->entries.push_back(queue::LedgerEntry{
            target_key_, std::move(task.item_id), std::move(task.path), std::move(task.sha256)});
      }
      last = --task.batch->pending == 0;
    }
    if (!last) return;
    if (on_helper) {
      complete_batch(*task.batch);
    } else {
      helper_jobs_.push(HelperJob{std::nullopt, Status::ok(), 0, std::move(task.batch)});
    }
  }

  // Runs on a helper once a batch's last upload is done.
  void complete_batch(BatchState& batch) {
    std::vector<std::string> staged;
    std::vector<queue::LedgerEntry> entries;
    {
      std::lock_guard<std::mutex> lock(batch.mu);
      staged.swap(batch.staged);
      entries.swap(batch.entries);
    }
    if (deps_.ledger != nullptr && !entries.empty()) {
      Status recorded = deps_.ledger->record(entries);
      if (!recorded.is_ok()) {
        spdlog::warn("export ledger: could not record {} exports ({}); a rerun uploads them again",
                     entries.size(), recorded.to_string());
      }
    }
    Status cleaned = cleanup_.after_batch(staged);
    if (!cleaned.is_ok()) {
      spdlog::warn("cleanup after a batch of {} items: {} (exported files are not affected)",
                   staged.size(), cleaned.to_string());
      std::lock_guard<std::mutex> lock(mu_);
      ++report_.cleanup_failures;
    }
  }

  // --- driver health --------------------------------------------------------------------------

  std::optional<std::string> driver_gone_reason() {
    std::lock_guard<std::mutex> lock(driver_mu_);
    return driver_gone_;
  }

  // After an upload failed: is the driver gone or unsafe now? Then that is the reason (and
  // every later item fails with it without an upload). The platform is read without driver_mu_
  // held: engines take it before every upload, and an engine waiting for it drives none of the
  // uploads it has in flight, for as long as the read takes (slowest when uploads fail).
  std::optional<std::string> driver_failure_reason() {
    std::lock_guard<std::mutex> check(driver_check_mu_);
    if (auto gone = driver_gone_reason()) return gone;
    const auto now = std::chrono::steady_clock::now();
    if (last_driver_check_ && now - *last_driver_check_ < kDriverRecheckInterval) {
      return std::nullopt;
    }
    last_driver_check_ = now;
    auto driver = deps_.client.get_driver(driver_id_);
    Status status = driver ? cleanup::check_driver_safe(*driver)
                           : cleanup::driver_lookup_error(driver_id_, driver.error());
    if (status.code() != StatusCode::kFailedPrecondition) return std::nullopt;
    std::lock_guard<std::mutex> lock(driver_mu_);
    driver_gone_ = "target refused while exporting: " + status.message();
    spdlog::error("{}", *driver_gone_);
    return driver_gone_;
  }

  // --- accounting -----------------------------------------------------------------------------

  ProgressCounts counts_locked() const {
    ProgressCounts c = counts_;
    c.total = total_.load();
    return c;
  }

  void fail(const std::string& item_id, std::string reason) {
    ProgressCounts snapshot;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++counts_.failed;
      if (report_.failures.size() < kMaxReportedFailures) {
        report_.failures.push_back(ItemFailure{item_id, std::move(reason)});
      }
      snapshot = counts_locked();
    }
    if (deps_.progress != nullptr) deps_.progress->on_progress(snapshot);
  }

  void succeed(bool unchanged) {
    ProgressCounts snapshot;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++(unchanged ? counts_.unchanged : counts_.exported);
      snapshot = counts_locked();
    }
    if (deps_.progress != nullptr) deps_.progress->on_progress(snapshot);
  }

  const ExportDeps& deps_;
  const ExportRequest& request_;
  const std::string driver_id_;
  const std::string target_key_;
  sink::Sink& sink_;
  cleanup::CleanupHandler& cleanup_;
  // path hash -> the first item that claimed it, on disk: the index grows with the run.
  queue::PathClaims& path_claims_;
  ExportReport& report_;
  const int preparers_;
  const int uploaders_;
  const int engines_;
  worker::BoundedQueue<Batch> batches_;
  worker::BoundedQueue<UploadTask> uploads_;
  worker::BoundedQueue<HelperJob> helper_jobs_;
  // Set up by run() before any thread starts; then only wakeup() and the flags are shared.
  std::vector<sink::PutStream*> engine_streams_;
  std::vector<std::atomic<bool>> engines_hungry_;
  std::vector<std::atomic<int>> engines_lent_;  // uploads of engine i being retried by helpers
  std::atomic<std::int64_t> total_{0};

  std::mutex mu_;
  ProgressCounts counts_;  // guarded by mu_

  std::mutex driver_mu_;
  std::optional<std::string> driver_gone_;  // guarded by driver_mu_
  // Held across a re-read of the driver, so one runs at a time and the others wait for its answer.
  std::mutex driver_check_mu_;
  std::optional<std::chrono::steady_clock::time_point> last_driver_check_;  // guarded by it
};

}  // namespace

std::string driver_target_key(const std::string& driver_id) { return "driver:" + driver_id; }

ExportReport run_export(const ExportDeps& deps, const ExportRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  ExportReport report;
  auto finish = [&]() -> ExportReport {
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (deps.progress != nullptr) deps.progress->on_finish(report.counts);
    return report;
  };

  // Before anything touches the platform: a run that cannot check collisions does not start.
  queue::PathClaimsPtr own_claims;
  queue::PathClaims* path_claims = deps.path_claims;
  if (path_claims == nullptr) {
    auto opened = queue::open_sqlite_path_claims();
    if (!opened) {
      report.fatal = opened.error();
      return finish();
    }
    own_claims = std::move(*opened);
    path_claims = own_claims.get();
  }

  auto driver = controller::validate_driver(deps.client, deps.retry, request.driver_id);
  if (!driver) {
    report.fatal = driver.error();
    report.refused = driver.error().code() == StatusCode::kFailedPrecondition;
    return finish();
  }
  controller::StagingDatasets staging(deps.client, deps.retry);
  auto dataset = staging.ensure(*driver);
  if (!dataset) {
    report.fatal = dataset.error();
    return finish();
  }
  report.staging_dataset_id = dataset->dataset.id;
  report.staging_created = dataset->created;

  sink::SinkPtr sink = sink::make_driver_sink(deps.client, {driver->id, dataset->dataset.id});
  cleanup::StagingCleaner cleaner(deps.client, deps.retry, {driver->id, dataset->dataset.id});
  cleanup::CleanupHandler cleanup(cleaner, deps.cleanup_options);

  std::unique_ptr<cleanup::Waiter> waiter;
  std::unique_ptr<cleanup::CleanupScheduler> scheduler;
  if (deps.cleanup_options.schedule) {
    auto schedule = cleanup::CronSchedule::parse(*deps.cleanup_options.schedule);
    if (!schedule) {
      report.fatal = schedule.error().annotate("cleanup.schedule");
      return finish();
    }
    Clock& clock = deps.clock != nullptr ? *deps.clock : system_clock();
    waiter = cleanup::make_real_waiter(clock);
    scheduler = std::make_unique<cleanup::CleanupScheduler>(
        std::move(*schedule), clock, *waiter, [&cleaner] {
          Status status = cleaner.delete_all();
          if (!status.is_ok()) spdlog::warn("scheduled cleanup: {}", status.to_string());
        });
    scheduler->start();
  }

  spdlog::info("exporting to {} ({} format, path template '{}')", sink->describe(),
               deps.format.name(), deps.path_template.text());
  ExportPipeline pipeline(deps, request, driver->id, *sink, cleanup, *path_claims, report);
  pipeline.run();

  if (scheduler) scheduler->stop();
  Status shutdown = cleanup.on_shutdown();
  if (!shutdown.is_ok()) {
    spdlog::warn("cleanup on shutdown: {} (exported files are not affected)", shutdown.to_string());
    ++report.cleanup_failures;
  }
  return finish();
}

}  // namespace dlexport::app
