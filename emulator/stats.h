#pragma once
// RequestStats: how many API requests the emulator answered, per route template
// ("GET /items/{id}", "POST /datasets/{id}/query", ...), for GET /__admin/stats.
//
// Contract: thread-safe (one mutex). Every API request is counted once when it arrives, whatever
// its answer (served, injected fault, 401, 404). Admin calls (/__admin/...) are not counted.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common/json.h"

namespace dlexport::emulator {

class RequestStats {
 public:
  void record(const std::string& route);
  void reset();
  // {"total": N, "requests": {"GET /items/{id}": n, ...}} (routes sorted by name).
  Json to_json() const;
  std::int64_t count(const std::string& route) const;

 private:
  mutable std::mutex mu_;
  std::int64_t total_ = 0;
  std::map<std::string, std::int64_t> by_route_;
};

}  // namespace dlexport::emulator
