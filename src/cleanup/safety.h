#pragma once
// The safety rules every deletion in dlexport passes through (ARCHITECTURE.md §4 rules 1–2).
//
// - A driver is safe to export through only when it exists and says `allowExternalDelete: false`
//   explicitly: a missing flag counts as unsafe, because deleting a staged item on a driver that
//   allows external delete deletes the customer's bucket object.
// - Staged items may be deleted only inside a staging dataset: metadata.system.exportSolution
//   true, metadata.system.scope "system", bound to that very driver.
// verify_staging_target() re-reads both from the platform; cleanup calls it right before every
// delete. Pure functions apart from verify_staging_target; all thread-safe.

#include <string>

#include "common/status.h"
#include "dataloop/client.h"
#include "dataloop/types.h"
#include "worker/retry_policy.h"

namespace dlexport::cleanup {

// ok, or kFailedPrecondition naming the driver and the fix.
Status check_driver_safe(const dataloop::Driver& driver);

// Turns the outcome of GET /drivers/{id} into the refusal users see: 404 becomes
// kFailedPrecondition "driver X does not exist ..."; other errors pass through annotated.
Status driver_lookup_error(const std::string& driver_id, const Status& status);

// ok, or kFailedPrecondition saying why `dataset` is not driver `driver_id`'s staging dataset.
Status check_staging_dataset(const dataloop::Dataset& dataset, const std::string& driver_id);

// GET /drivers/{driver_id} + check_driver_safe. Retries transient errors.
Result<dataloop::Driver> fetch_safe_driver(const dataloop::Client& client,
                                           const worker::RetryPolicy& retry,
                                           const std::string& driver_id);

}  // namespace dlexport::cleanup
