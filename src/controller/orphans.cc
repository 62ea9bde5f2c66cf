#include "controller/orphans.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "worker/retrying.h"

namespace dlexport::controller {

Result<std::vector<OrphanDecision>> clean_orphans(const dataloop::Client& client,
                                                  const worker::RetryPolicy& retry,
                                                  const OrphanOptions& options) {
  const Json filter = {{"$and", Json::array({Json{{"metadata.system.exportSolution", true}}})}};
  auto datasets = worker::retrying(retry, "POST /datasets/query (staging)", [&] {
    return client.query_datasets(filter, options.project_id, true);
  });
  if (!datasets) return datasets.error().annotate("listing staging datasets for orphan cleanup");

  std::vector<OrphanDecision> decisions;
  for (const auto& dataset : *datasets) {
    if (!dataset.export_solution) continue;  // the server ignored the filter: not ours
    OrphanDecision d{dataset.id, dataset.name, dataset.driver_id, false, false, ""};
    if (dataset.driver_id.empty()) {
      d.reason = "the dataset names no driver; kept";
      spdlog::warn("staging dataset {} ('{}') names no driver; left alone", dataset.id,
                   dataset.name);
      decisions.push_back(std::move(d));
      continue;
    }
    auto driver = worker::retrying(retry, "GET /drivers/" + dataset.driver_id,
                                   [&] { return client.get_driver(dataset.driver_id); });
    if (driver) {
      d.reason = "driver exists; kept";
    } else if (driver.error().code() != StatusCode::kNotFound) {
      // 403, 5xx, timeouts: we cannot tell whether the driver is gone, so the dataset stays.
      d.reason = "driver lookup failed (" + driver.error().to_string() + "); kept";
      spdlog::warn("orphan check of staging dataset {}: {}", dataset.id, d.reason);
    } else {
      d.orphan = true;
      if (options.dry_run) {
        d.reason = "driver answered 404; would delete";
      } else {
        Status removed = worker::retrying(retry, "DELETE /datasets/" + dataset.id,
                                          [&] { return client.delete_dataset(dataset.id); });
        if (removed.is_ok() || removed.code() == StatusCode::kNotFound) {
          d.deleted = true;
          d.reason = "driver answered 404; deleted";
          spdlog::info("deleted orphan staging dataset {} ('{}'): driver {} no longer exists",
                       dataset.id, dataset.name, dataset.driver_id);
        } else {
          d.reason = "driver answered 404 but the delete failed: " + removed.to_string();
          spdlog::warn("orphan staging dataset {}: {}", dataset.id, d.reason);
        }
      }
    }
    decisions.push_back(std::move(d));
  }
  return decisions;
}

}  // namespace dlexport::controller
