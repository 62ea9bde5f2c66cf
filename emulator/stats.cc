#include "emulator/stats.h"

namespace dlexport::emulator {

void RequestStats::record(const std::string& route) {
  std::lock_guard lock(mu_);
  ++total_;
  ++by_route_[route];
}

void RequestStats::reset() {
  std::lock_guard lock(mu_);
  total_ = 0;
  by_route_.clear();
}

Json RequestStats::to_json() const {
  std::lock_guard lock(mu_);
  Json requests = Json::object();
  for (const auto& [route, n] : by_route_) requests[route] = n;
  return Json{{"total", total_}, {"requests", std::move(requests)}};
}

std::int64_t RequestStats::count(const std::string& route) const {
  std::lock_guard lock(mu_);
  auto it = by_route_.find(route);
  return it == by_route_.end() ? 0 : it->second;
}

}  // namespace dlexport::emulator
