#pragma once
// StagingDatasets: finds, adopts or creates the hidden staging dataset of a storage driver
// (ARCHITECTURE.md §5), and validates the driver first (§4 rule 1).
//
// One staging dataset per (project, driver), named kStagingNamePrefix + driver id — the Python
// app's name, so datasets it created are adopted — and marked metadata.system.scope "system" +
// exportSolution true.
//
// Lookup: POST /datasets/query (systemSpace, exportSolution, the driver's project) plus a query by
// name without systemSpace, which also finds a dataset created but never marked (a process died
// between create and PATCH, or another instance is between the two right now). Candidates must be
// bound to the driver. The OLDEST candidate wins (createdAt, then id); an unmarked winner is
// marked.
// Creation: POST /datasets (driver) + PATCH ?system=true, then the lookup again; if another
// instance created one at the same time and ours is not the oldest, ours is deleted if it is
// still empty, so several processes converge on one dataset.
// Thread-safe: one lookup/creation per driver at a time in this process (per-driver mutex), and
// the result is cached.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "dataloop/client.h"
#include "worker/retry_policy.h"

namespace dlexport::controller {

inline constexpr std::string_view kStagingNamePrefix = "Export Storage Driver - ";
std::string staging_dataset_name(std::string_view driver_id);

// GET /drivers/{id} and the allowExternalDelete check: the driver, or kFailedPrecondition naming
// the driver and the fix (also for 404), or the transport/platform error.
Result<dataloop::Driver> validate_driver(const dataloop::Client& client,
                                         const worker::RetryPolicy& retry,
                                         const std::string& driver_id);

struct StagingDataset {
  dataloop::Dataset dataset;
  bool created = false;  // by this call (false: adopted)
};

class StagingDatasets {
 public:
  // `client` and `retry` must outlive this object.
  StagingDatasets(const dataloop::Client& client, const worker::RetryPolicy& retry)
      : client_(client), retry_(retry) {}

  // The staging dataset of an already validated driver (found, adopted or created).
  Result<StagingDataset> ensure(const dataloop::Driver& driver);
  // Lookup only: the winning existing dataset, or kNotFound.
  Result<dataloop::Dataset> find(const dataloop::Driver& driver);

 private:
  Result<std::vector<dataloop::Dataset>> candidates(const dataloop::Driver& driver);
  Status mark(const dataloop::Dataset& dataset);
  Result<dataloop::Dataset> adopt_oldest(const dataloop::Driver& driver,
                                         std::vector<dataloop::Dataset> found);

  const dataloop::Client& client_;
  const worker::RetryPolicy& retry_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<std::mutex>> driver_mu_;  // guarded by mu_
  std::map<std::string, StagingDataset> cache_;                   // guarded by mu_
};

}  // namespace dlexport::controller
