#pragma once
// Orphan cleanup (ARCHITECTURE.md §4 rule 3): staging datasets (exportSolution) whose driver no
// longer exists are deleted. Only a 404 from GET /drivers/{id} counts as "no longer exists"; 403,
// 5xx, timeouts and any other answer leave the dataset alone and are logged. It never deletes
// staged items of live drivers (unlike the Python app, which empties every staging dataset on
// start).

#include <string>
#include <vector>

#include "common/result.h"
#include "dataloop/client.h"
#include "worker/retry_policy.h"

namespace dlexport::controller {

struct OrphanDecision {
  std::string dataset_id, dataset_name, driver_id;
  bool orphan = false;   // driver answered 404
  bool deleted = false;  // and the dataset was deleted (false in dry-run or on failure)
  std::string reason;    // why kept, or the delete error
};

struct OrphanOptions {
  bool dry_run = false;
  std::string project_id;  // "" = every project the key can see
};

// Looks at every staging dataset; deletes the orphans unless dry_run. The Result fails only when
// the staging datasets cannot be listed.
Result<std::vector<OrphanDecision>> clean_orphans(const dataloop::Client& client,
                                                  const worker::RetryPolicy& retry,
                                                  const OrphanOptions& options);

}  // namespace dlexport::controller
