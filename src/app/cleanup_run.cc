#include "app/cleanup_run.h"

#include "cleanup/cleaner.h"
#include "controller/staging_datasets.h"
#include "worker/retrying.h"

namespace dlexport::app {

CleanupReport run_cleanup(const dataloop::Client& client, const worker::RetryPolicy& retry,
                          const CleanupRequest& request) {
  CleanupReport report;
  if (!request.driver_id.empty()) {
    auto driver = controller::validate_driver(client, retry, request.driver_id);
    if (!driver) {
      report.fatal = driver.error();
      report.refused = driver.error().code() == StatusCode::kFailedPrecondition;
      return report;
    }
    controller::StagingDatasets staging(client, retry);
    auto dataset = staging.find(*driver);
    if (!dataset && dataset.error().code() != StatusCode::kNotFound) {
      report.fatal = dataset.error();
      return report;
    }
    if (dataset) {
      report.staging_dataset_id = dataset->id;
      cleanup::StagingCleaner cleaner(client, retry, {driver->id, dataset->id});
      Status verified = cleaner.verify();
      if (!verified.is_ok()) {
        report.fatal = verified;
        report.refused = verified.code() == StatusCode::kFailedPrecondition;
        return report;
      }
      if (request.dry_run) {
        dataloop::ItemPager pager = client.query_items(dataset->id);
        while (!pager.done()) {
          auto page = worker::retrying(retry, "list staged items", [&] { return pager.next(); });
          if (!page) {
            report.fatal = page.error().annotate("listing staged items");
            return report;
          }
          for (const auto& item : *page) report.staged.push_back({item.id, item.filename});
        }
        report.staged_count = static_cast<std::int64_t>(report.staged.size());
      } else {
        auto count = cleaner.count();
        if (count) report.staged_count = *count;
        Status deleted = cleaner.delete_all();
        if (!deleted.is_ok()) {
          report.fatal = deleted;
          return report;
        }
        report.staged_deleted = true;
      }
    }
  }
  if (request.orphans) {
    auto decisions = controller::clean_orphans(client, retry, {request.dry_run, ""});
    if (!decisions) {
      report.fatal = decisions.error();
      return report;
    }
    report.orphans = std::move(*decisions);
  }
  return report;
}

}  // namespace dlexport::app
