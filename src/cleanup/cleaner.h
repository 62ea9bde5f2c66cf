#pragma once
// StagingCleaner: deletes staged items from ONE staging dataset, and nothing else.
//
// Every delete is preceded by the safety check (cleanup/safety.h): the dataset is read once and
// must be an exportSolution/system staging dataset of the driver; the driver is re-read before
// EVERY delete and must still say allowExternalDelete: false. Deletes are bulk DQL deletes
// (POST /datasets/{id}/query with delete: true) scoped to the staging dataset, so items of any
// other dataset cannot match. Platform calls run under the RetryPolicy.
//
// CleanupHandler combines the configured strategies (config::CleanupOptions): immediate (delete a
// batch's staged items right after the batch), threshold (delete everything once the dataset
// holds more than N items), on_shutdown (delete everything when the run stops). The schedule
// strategy is CleanupScheduler (scheduler.h), which calls delete_all().
//
// Thread-safe: calls may come from several uploader threads and the scheduler at once.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/options.h"
#include "dataloop/client.h"
#include "worker/retry_policy.h"

namespace dlexport::cleanup {

struct StagingTarget {
  std::string driver_id;
  std::string dataset_id;
};

class StagingCleaner {
 public:
  // `client` and `retry` must outlive the cleaner.
  StagingCleaner(const dataloop::Client& client, const worker::RetryPolicy& retry,
                 StagingTarget target);

  const StagingTarget& target() const { return target_; }

  // One bulk delete of exactly these staged items (`id $in [...]`). Empty: no call.
  Status delete_items(const std::vector<std::string>& staged_item_ids);
  // Deletes every staged item (the SDK's default item filter: files that are not hidden).
  Status delete_all();
  // Number of staged items (same filter as delete_all).
  Result<std::int64_t> count();
  // Deletes everything when count() > threshold. Returns whether it deleted.
  Result<bool> enforce_threshold(std::int64_t threshold);

  // The safety check run before each delete; public for `dlexport cleanup --dry-run`.
  Status verify();

 private:
  const dataloop::Client& client_;
  const worker::RetryPolicy& retry_;
  const StagingTarget target_;
  std::mutex mu_;
  bool dataset_verified_ = false;  // guarded by mu_
};

class CleanupHandler {
 public:
  CleanupHandler(StagingCleaner& cleaner, config::CleanupOptions options)
      : cleaner_(cleaner), options_(std::move(options)) {}

  // After a batch was uploaded: immediate delete of its staged items, then the threshold check.
  // A failure is returned (and the caller logs it once); the exported objects are unaffected.
  Status after_batch(const std::vector<std::string>& staged_item_ids);
  // When the run stops (normal end, SIGTERM, SIGINT), after in-flight work drained.
  Status on_shutdown();

  const config::CleanupOptions& options() const { return options_; }

 private:
  StagingCleaner& cleaner_;
  const config::CleanupOptions options_;
};

}  // namespace dlexport::cleanup
