#include "cleanup/cleaner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cleanup/safety.h"
#include "worker/retrying.h"

namespace dlexport::cleanup {
namespace {

dataloop::ItemFilter ids_filter(const std::vector<std::string>& ids) {
  Json in = Json::array();
  for (const auto& id : ids) in.push_back(id);
  dataloop::ItemFilter filter;
  filter.include_defaults = false;
  filter.conditions.push_back(Json{{"id", Json{{"$in", std::move(in)}}}});
  return filter;
}

}  // namespace

StagingCleaner::StagingCleaner(const dataloop::Client& client, const worker::RetryPolicy& retry,
                               StagingTarget target)
    : client_(client), retry_(retry), target_(std::move(target)) {}

Status StagingCleaner::verify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!dataset_verified_) {
      // A dataset's marking and driver binding do not change once created, so one read per
      // cleaner suffices; the driver's allowExternalDelete can be edited at any time and is
      // re-read below before every delete.
      auto dataset = worker::retrying(retry_, "GET /datasets/" + target_.dataset_id,
                                      [&] { return client_.get_dataset(target_.dataset_id); });
      if (!dataset) {
        return dataset.error().annotate(
            fmt::format("reading staging dataset {}", target_.dataset_id));
      }
      DLX_RETURN_IF_ERROR(check_staging_dataset(*dataset, target_.driver_id));
      dataset_verified_ = true;
    }
  }
  return fetch_safe_driver(client_, retry_, target_.driver_id).status();
}

Status StagingCleaner::delete_items(const std::vector<std::string>& staged_item_ids) {
  if (staged_item_ids.empty()) return {};
  DLX_RETURN_IF_ERROR(verify());
  const dataloop::ItemFilter filter = ids_filter(staged_item_ids);
  Status status = worker::retrying(retry_, "delete staged items", [&] {
    return client_.delete_items_by_query(target_.dataset_id, filter);
  });
  if (!status.is_ok()) {
    return status.annotate(fmt::format("deleting {} staged items from dataset {}",
                                       staged_item_ids.size(), target_.dataset_id));
  }
  spdlog::debug("deleted {} staged items from staging dataset {}", staged_item_ids.size(),
                target_.dataset_id);
  return {};
}

Status StagingCleaner::delete_all() {
  DLX_RETURN_IF_ERROR(verify());
  Status status = worker::retrying(retry_, "delete all staged items", [&] {
    return client_.delete_items_by_query(target_.dataset_id, dataloop::ItemFilter{});
  });
  if (!status.is_ok()) {
    return status.annotate(
        fmt::format("deleting all staged items from dataset {}", target_.dataset_id));
  }
  spdlog::info("deleted all staged items from staging dataset {} (driver {})", target_.dataset_id,
               target_.driver_id);
  return {};
}

Result<std::int64_t> StagingCleaner::count() {
  return worker::retrying(retry_, "count staged items",
                          [&] { return client_.count_items(target_.dataset_id); });
}

Result<bool> StagingCleaner::enforce_threshold(std::int64_t threshold) {
  DLX_ASSIGN_OR_RETURN(std::int64_t staged, count());
  if (staged <= threshold) return false;
  spdlog::info("staging dataset {} holds {} items (threshold {}): deleting them",
               target_.dataset_id, staged, threshold);
  DLX_RETURN_IF_ERROR(delete_all());
  return true;
}

Status CleanupHandler::after_batch(const std::vector<std::string>& staged_item_ids) {
  if (options_.immediate) DLX_RETURN_IF_ERROR(cleaner_.delete_items(staged_item_ids));
  if (options_.threshold) {
    auto deleted = cleaner_.enforce_threshold(*options_.threshold);
    if (!deleted) return deleted.error();
  }
  return {};
}

Status CleanupHandler::on_shutdown() {
  if (!options_.on_shutdown) return {};
  return cleaner_.delete_all();
}

}  // namespace dlexport::cleanup
