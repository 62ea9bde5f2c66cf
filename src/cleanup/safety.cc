#include "cleanup/safety.h"

#include <fmt/format.h>

#include "worker/retrying.h"

namespace dlexport::cleanup {
namespace {

constexpr const char* kFix =
    "create a storage driver for the same bucket with \"allow delete\" turned off "
    "(allowExternalDelete: false) and export through that driver";

}  // namespace

Status check_driver_safe(const dataloop::Driver& driver) {
  const std::string who = driver.name.empty()
                              ? fmt::format("driver {}", driver.id)
                              : fmt::format("driver {} ('{}')", driver.id, driver.name);
  if (!driver.allow_external_delete.has_value()) {
    return failed_precondition(fmt::format(
        "{} does not state allowExternalDelete, so deleting staged items might delete the "
        "exported files from the bucket; refusing to use it: {}",
        who, kFix));
  }
  if (*driver.allow_external_delete) {
    return failed_precondition(fmt::format(
        "{} has allowExternalDelete: true, so deleting staged items would delete the exported "
        "files from the bucket; refusing to use it: {}",
        who, kFix));
  }
  return {};
}

Status driver_lookup_error(const std::string& driver_id, const Status& status) {
  if (status.code() == StatusCode::kNotFound) {
    return failed_precondition(
        fmt::format("driver {} does not exist (the platform answered 404): {}", driver_id, kFix));
  }
  return status.annotate(fmt::format("reading driver {}", driver_id));
}

Status check_staging_dataset(const dataloop::Dataset& dataset, const std::string& driver_id) {
  std::string why;
  if (!dataset.export_solution) {
    why = "it is not marked metadata.system.exportSolution: true";
  } else if (!dataset.system_scope) {
    why = "its metadata.system.scope is not \"system\"";
  } else if (dataset.driver_id != driver_id) {
    why = fmt::format("it is bound to driver '{}', not {}", dataset.driver_id, driver_id);
  }
  if (why.empty()) return {};
  return failed_precondition(fmt::format(
      "dataset {} ('{}') is not a dlexport staging dataset of driver {}: {}; nothing was deleted",
      dataset.id, dataset.name, driver_id, why));
}

Result<dataloop::Driver> fetch_safe_driver(const dataloop::Client& client,
                                           const worker::RetryPolicy& retry,
                                           const std::string& driver_id) {
  auto driver = worker::retrying(retry, "GET /drivers/" + driver_id,
                                 [&] { return client.get_driver(driver_id); });
  if (!driver) return driver_lookup_error(driver_id, driver.error());
  DLX_RETURN_IF_ERROR(check_driver_safe(*driver));
  return driver;
}

}  // namespace dlexport::cleanup
