#include "controller/staging_datasets.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cleanup/safety.h"
#include "worker/retrying.h"

namespace dlexport::controller {
namespace {

bool older(const dataloop::Dataset& a, const dataloop::Dataset& b) {
  // ISO-8601 UTC timestamps with a fixed layout order lexicographically; ids (ObjectIds) break
  // ties in creation order too.
  if (a.created_at != b.created_at) {
    if (a.created_at.empty()) return false;
    if (b.created_at.empty()) return true;
    return a.created_at < b.created_at;
  }
  return a.id < b.id;
}

bool marked(const dataloop::Dataset& dataset) {
  return dataset.export_solution && dataset.system_scope;
}

}  // namespace

std::string staging_dataset_name(std::string_view driver_id) {
  return std::string(kStagingNamePrefix) + std::string(driver_id);
}

Result<dataloop::Driver> validate_driver(const dataloop::Client& client,
                                         const worker::RetryPolicy& retry,
                                         const std::string& driver_id) {
  return cleanup::fetch_safe_driver(client, retry, driver_id);
}

Result<std::vector<dataloop::Dataset>> StagingDatasets::candidates(const dataloop::Driver& driver) {
  const std::string name = staging_dataset_name(driver.id);
  const Json system_filter = {
      {"$and", Json::array({Json{{"metadata.system.exportSolution", true}}})}};
  auto system = worker::retrying(retry_, "POST /datasets/query (staging)", [&] {
    return client_.query_datasets(system_filter, driver.project_id, true);
  });
  if (!system) return system.error().annotate("looking up staging datasets");
  const Json name_filter = {{"$and", Json::array({Json{{"name", name}}})}};
  auto named = worker::retrying(retry_, "POST /datasets/query (by name)", [&] {
    return client_.query_datasets(name_filter, driver.project_id, false);
  });
  if (!named) return named.error().annotate("looking up staging datasets by name");

  std::vector<dataloop::Dataset> out;
  auto consider = [&](dataloop::Dataset& dataset) {
    if (std::any_of(out.begin(), out.end(),
                    [&](const dataloop::Dataset& d) { return d.id == dataset.id; })) {
      return;
    }
    if (dataset.driver_id != driver.id) {
      // Same name or marker but another driver: never ours to write into or clean.
      if (dataset.name == name) {
        spdlog::warn("dataset {} is named '{}' but is bound to driver '{}'; ignoring it",
                     dataset.id, name, dataset.driver_id);
      }
      return;
    }
    // Bound to our driver: ours if it carries the marker or the Python app's name.
    if (dataset.export_solution || dataset.name == name) out.push_back(std::move(dataset));
  };
  for (auto& d : *system) consider(d);
  for (auto& d : *named) consider(d);
  std::sort(out.begin(), out.end(), older);
  return out;
}

Status StagingDatasets::mark(const dataloop::Dataset& dataset) {
  Json body = dataset.raw;
  if (!body.is_object()) body = Json::object();
  if (!body.contains("metadata") || !body["metadata"].is_object())
    body["metadata"] = Json::object();
  Json& meta = body["metadata"];
  if (!meta.contains("system") || !meta["system"].is_object()) meta["system"] = Json::object();
  meta["system"]["scope"] = "system";
  meta["system"]["exportSolution"] = true;
  Status status = worker::retrying(retry_, "PATCH /datasets/{id}?system=true",
                                   [&] { return client_.patch_dataset_system(body); });
  return status.annotate(fmt::format("marking staging dataset {}", dataset.id));
}

Result<dataloop::Dataset> StagingDatasets::adopt_oldest(const dataloop::Driver& driver,
                                                        std::vector<dataloop::Dataset> found) {
  dataloop::Dataset winner = std::move(found.front());
  if (!marked(winner)) {
    DLX_RETURN_IF_ERROR(mark(winner));
    winner.system_scope = true;
    winner.export_solution = true;
  }
  if (found.size() > 1) {
    spdlog::warn("driver {} has {} staging datasets; using the oldest, {}", driver.id, found.size(),
                 winner.id);
  }
  return winner;
}

Result<dataloop::Dataset> StagingDatasets::find(const dataloop::Driver& driver) {
  DLX_ASSIGN_OR_RETURN(auto found, candidates(driver));
  if (found.empty()) {
    return not_found(fmt::format("driver {} has no staging dataset yet", driver.id));
  }
  return adopt_oldest(driver, std::move(found));
}

Result<StagingDataset> StagingDatasets::ensure(const dataloop::Driver& driver) {
  std::shared_ptr<std::mutex> driver_mu;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = cache_.find(driver.id); it != cache_.end()) return it->second;
    auto& slot = driver_mu_[driver.id];
    if (!slot) slot = std::make_shared<std::mutex>();
    driver_mu = slot;
  }
  std::lock_guard<std::mutex> driver_lock(*driver_mu);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = cache_.find(driver.id); it != cache_.end()) return it->second;
  }

  StagingDataset result;
  DLX_ASSIGN_OR_RETURN(auto found, candidates(driver));
  if (!found.empty()) {
    DLX_ASSIGN_OR_RETURN(result.dataset, adopt_oldest(driver, std::move(found)));
    spdlog::info("using staging dataset {} ('{}') of driver {}", result.dataset.id,
                 result.dataset.name, driver.id);
  } else {
    const std::string name = staging_dataset_name(driver.id);
    // Retrying is safe: if an attempt that looked failed did create the dataset, the retry is
    // answered 409 (names are unique per project) and we adopt it below; a duplicate that still
    // slips through is removed by the convergence step.
    auto created = worker::retrying(retry_, "POST /datasets", [&] {
      return client_.create_dataset(name, driver.project_id, driver.id);
    });
    if (!created && created.error().code() == StatusCode::kAlreadyExists) {
      // Names are unique per project: another instance created it between our lookup and our
      // create. Adopt theirs.
      DLX_ASSIGN_OR_RETURN(auto theirs, candidates(driver));
      if (theirs.empty())
        return created.error().annotate("creating staging dataset '" + name + "'");
      DLX_ASSIGN_OR_RETURN(result.dataset, adopt_oldest(driver, std::move(theirs)));
      std::lock_guard<std::mutex> lock(mu_);
      cache_[driver.id] = result;
      return result;
    }
    if (!created) return created.error().annotate("creating staging dataset '" + name + "'");
    DLX_RETURN_IF_ERROR(mark(*created));
    // Another instance may have created one at the same moment: everybody keeps the oldest.
    DLX_ASSIGN_OR_RETURN(auto now_found, candidates(driver));
    if (now_found.empty()) {
      return internal_error(
          fmt::format("created staging dataset {} but the platform does not list it", created->id));
    }
    DLX_ASSIGN_OR_RETURN(result.dataset, adopt_oldest(driver, std::move(now_found)));
    if (result.dataset.id == created->id) {
      result.created = true;
      spdlog::info("created staging dataset {} ('{}') for driver {}", created->id, name, driver.id);
    } else {
      auto count = worker::retrying(retry_, "count items of duplicate staging dataset", [&] {
        dataloop::ItemFilter all;
        all.include_defaults = false;
        return client_.count_items(created->id, all);
      });
      if (count && *count == 0) {
        Status removed = worker::retrying(retry_, "DELETE /datasets/{id}",
                                          [&] { return client_.delete_dataset(created->id); });
        if (removed.is_ok() || removed.code() == StatusCode::kNotFound) {
          spdlog::info("another instance created staging dataset {} first; removed ours ({})",
                       result.dataset.id, created->id);
        } else {
          spdlog::warn("could not remove duplicate staging dataset {}: {}", created->id,
                       removed.to_string());
        }
      } else {
        spdlog::warn("duplicate staging dataset {} is not empty or cannot be counted; kept it",
                     created->id);
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  cache_[driver.id] = result;
  return result;
}

}  // namespace dlexport::controller
