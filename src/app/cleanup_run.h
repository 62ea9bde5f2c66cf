#pragma once
// run_cleanup(): `dlexport cleanup` — empties a driver's staging dataset (after the same safety
// checks as every delete) and/or deletes orphan staging datasets (driver answers 404). Dry-run
// lists what would be deleted and deletes nothing. Bucket objects are never touched: staged items
// are deleted only through drivers with allowExternalDelete: false.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "controller/orphans.h"
#include "dataloop/client.h"
#include "worker/retry_policy.h"

namespace dlexport::app {

struct CleanupRequest {
  std::string driver_id;  // "" = no staging cleanup (orphans only)
  bool orphans = false;
  bool dry_run = false;
};

struct StagedItem {
  std::string id, filename;
};

struct CleanupReport {
  Status fatal;
  bool refused = false;
  std::string staging_dataset_id;  // "" when the driver has none
  std::vector<StagedItem> staged;  // dry-run: what would be deleted
  std::int64_t staged_count = 0;   // items in the staging dataset before cleanup
  bool staged_deleted = false;
  std::vector<controller::OrphanDecision> orphans;
};

CleanupReport run_cleanup(const dataloop::Client& client, const worker::RetryPolicy& retry,
                          const CleanupRequest& request);

}  // namespace dlexport::app
