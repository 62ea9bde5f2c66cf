#include "emulator/store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "emulator/dql.h"
#include "emulator/driver_storage.h"
#include "emulator/entities.h"
#include "emulator/generator.h"
#include "emulator/ids.h"
#include "emulator/store_state.h"

namespace dlexport::emulator {

Json QueryPage::to_json() && {
  Json out = Json::object();
  out["totalItemsCount"] = total_items;
  out["items"] = Json(std::move(items));
  out["totalPagesCount"] = total_pages;
  out["hasNextPage"] = has_next_page;
  return out;
}

Store::Store(std::string api_base_url, std::shared_ptr<DriverStorage> storage)
    : state_(std::make_unique<State>()) {
  while (!api_base_url.empty() && api_base_url.back() == '/') api_base_url.pop_back();
  state_->base = std::move(api_base_url);
  state_->storage = std::move(storage);
}

Store::~Store() = default;

const std::string& Store::api_base_url() const { return state_->base; }

std::string Store::new_id() {
  std::unique_lock<std::shared_mutex> lock(state_->mu);
  return state_->clock.next().hex();
}

// --- by id ----------------------------------------------------------------------------------

Result<Json> Store::get(Kind kind, std::string_view id) const {
  std::shared_lock<std::shared_mutex> lock(state_->mu);
  const State& s = *state_;
  const std::string what(kind_segment(kind));
  if (kind == Kind::kDataset) {
    const DatasetRec* ds = s.dataset(id);
    if (ds == nullptr) return not_found("dataset " + std::string(id) + " does not exist");
    return s.dataset_output(*ds);
  }
  if (kind == Kind::kItem || kind == Kind::kAnnotation) {
    auto oid = ObjectId::parse(id);
    if (oid) {
      for (const auto& [name, ds] : s.datasets) {
        if (kind == Kind::kItem) {
          if (auto it = ds.items.find(*oid); it != ds.items.end()) return item_output(it->second);
        } else if (auto it = ds.annotations.find(*oid); it != ds.annotations.end()) {
          return s.annotation_output(ds, it->first, it->second);
        }
      }
    }
    return not_found(what + " " + std::string(id) + " does not exist");
  }
  const auto* map = s.simple(kind);
  auto it = map->find(std::string(id));
  if (it == map->end()) return not_found(what + " " + std::string(id) + " does not exist");
  return it->second;
}

Result<std::string> Store::item_content(std::string_view id) const {
  std::shared_lock<std::shared_mutex> lock(state_->mu);
  if (auto oid = ObjectId::parse(id)) {
    for (const auto& [name, ds] : state_->datasets) {
      if (auto it = ds.items.find(*oid); it != ds.items.end()) return it->second.content;
    }
  }
  return not_found("item " + std::string(id) + " does not exist");
}

Json Store::list_drivers(std::string_view project_id) const {
  std::shared_lock<std::shared_mutex> lock(state_->mu);
  Json out = Json::array();
  for (const auto& [id, driver] : state_->drivers) {
    if (project_id.empty() ||
        (driver.contains("projectId") && driver["projectId"] == std::string(project_id))) {
      out.push_back(driver);
    }
  }
  return out;
}

Json Store::counts() const {
  std::shared_lock<std::shared_mutex> lock(state_->mu);
  const State& s = *state_;
  std::size_t items = 0, annotations = 0;
  for (const auto& [id, ds] : s.datasets) {
    items += ds.items.size();
    annotations += ds.annotations.size();
  }
  return Json{{"projects", s.projects.size()}, {"drivers", s.drivers.size()},
              {"datasets", s.datasets.size()}, {"items", items},
              {"annotations", annotations},    {"services", s.services.size()},
              {"packages", s.packages.size()}, {"pipelines", s.pipelines.size()},
              {"recipes", s.recipes.size()},   {"ontologies", s.ontologies.size()},
              {"webhooks", s.webhooks.size()}, {"triggers", s.triggers.size()},
              {"commands", s.commands.size()}, {"users", s.users.size()}};
}

// --- users ----------------------------------------------------------------------------------

std::optional<std::string> Store::user_for_refresh_token(std::string_view refresh_token) const {
  std::shared_lock<std::shared_mutex> lock(state_->mu);
  if (refresh_token.empty()) return std::nullopt;
  auto it = state_->refresh_tokens.find(std::string(refresh_token));
  if (it == state_->refresh_tokens.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Store::check_credentials(std::string_view username,
                                                    std::string_view password) const {
  std::shared_lock<std::shared_mutex> lock(state_->mu);
  for (const User& user : state_->users) {
    if (user.email == username && !user.password.empty() && user.password == password) {
      return user.email;
    }
  }
  return std::nullopt;
}

std::string Store::issue_refresh_token(const std::string& email) {
  std::unique_lock<std::shared_mutex> lock(state_->mu);
  std::string token = "refresh-" + state_->clock.next().hex();
  state_->refresh_tokens[token] = email;
  return token;
}

// --- events ---------------------------------------------------------------------------------

Result<Json> Store::create_webhook(const Json& body, const std::string& creator) {
  std::unique_lock<std::shared_mutex> lock(state_->mu);
  return state_->create_simple(Kind::kWebhook, body, creator);
}

Result<Json> Store::create_trigger(const Json& body, const std::string& creator) {
  std::unique_lock<std::shared_mutex> lock(state_->mu);
  return state_->create_simple(Kind::kTrigger, body, creator);
}

}  // namespace dlexport::emulator
