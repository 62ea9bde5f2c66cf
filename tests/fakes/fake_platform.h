#pragma once
// FakePlatform: an in-memory Dataloop platform behind a FakeHttpClient, for unit tests of the
// controller, cleanup and export layers (the real emulator is used by tests/integration).
//
// It serves the calls dlexport makes (users/me, drivers, datasets query/create/patch/delete,
// item and annotation DQL queries with keyset paging and delete, uploads, items get/delete), and
// models driver storage: an upload into a dataset bound to a driver writes bucket()[(driver,
// path)]; deleting the item removes that object only when the driver allows external delete.
// Faults: per-route status overrides and a hook that can answer any request first.
// Thread-safe (one mutex; the hook runs outside it).

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "dataloop/client.h"
#include "http/testing/fake_http_client.h"
#include "worker/retry_policy.h"

namespace dlexport::testing {

class FakePlatform {
 public:
  static constexpr const char* kBaseUrl = "http://fake.test/api/v1";
  // A JWT the client accepts (exp far in the future).
  static std::string token();

  FakePlatform();

  // --- fixtures ---
  Json& add_driver(const std::string& id, std::optional<bool> allow_external_delete,
                   const std::string& project_id = "6600000000000000000000a1");
  void remove_driver(const std::string& id);
  Json& add_dataset(Json dataset);  // id assigned when missing; createdAt when missing
  Json& add_item(const std::string& dataset_id, const std::string& filename);
  Json& add_annotation(const std::string& item_id, const std::string& type);
  std::string next_id();

  // --- inspection ---
  std::optional<Json> dataset(const std::string& id) const;
  std::vector<Json> datasets() const;
  std::vector<Json> items_of(const std::string& dataset_id) const;
  std::optional<Json> item(const std::string& id) const;
  std::vector<Json> annotations_of(const std::string& item_id) const;
  std::map<std::pair<std::string, std::string>, std::string> bucket() const;
  int count(const std::string& route) const;  // e.g. "POST /datasets/{id}/items"
  int total_calls() const;
  void reset_counts();

  // --- faults ---
  // Answer every request of `route` (same names as count()) with this status, optionally only
  // for requests whose URL contains `url_part`.
  void fail_route(const std::string& route, int status, const std::string& url_part = "");
  void clear_faults();
  using Hook = std::function<std::optional<Result<http::Response>>(const http::Request&)>;
  void set_hook(Hook hook);

  std::shared_ptr<http::testing::FakeHttpClient> http() { return http_; }
  // A client bound to this platform (token set; no connect needed).
  std::unique_ptr<dataloop::Client> make_client(std::size_t annotation_batch_size = 100) const;

 private:
  Result<http::Response> handle(const http::Request& request);
  Result<http::Response> route(const http::Request& request, const std::string& route_name,
                               const std::vector<std::string>& parts);
  Json dataset_query(const Json& body) const;
  Json entity_query(const std::string& dataset_id, const Json& body);
  http::Response upload(const std::string& dataset_id, const http::Request& request);
  void delete_item_locked(const std::string& id);

  std::shared_ptr<http::testing::FakeHttpClient> http_;
  mutable std::mutex mu_;
  std::uint64_t next_id_ = 0x100;
  std::uint64_t clock_ms_ = 1735689600000;
  std::map<std::string, Json> drivers_;
  std::map<std::string, Json> datasets_;
  std::map<std::string, Json> items_;
  std::map<std::string, Json> annotations_;
  std::map<std::pair<std::string, std::string>, std::string> bucket_;
  std::map<std::string, int> counts_;
  struct Fault {
    std::string route;
    int status;
    std::string url_part;
  };
  std::vector<Fault> faults_;
  Hook hook_;
};

// A RetryPolicy that never sleeps (FakeClock + a sleeper that advances it).
class NoSleepRetry {
 public:
  explicit NoSleepRetry(int max_attempts = 3);
  const worker::RetryPolicy& policy() const { return *policy_; }

 private:
  class Sleeper;
  std::unique_ptr<FakeClock> clock_;
  std::unique_ptr<worker::Sleeper> sleeper_;
  std::unique_ptr<worker::RetryPolicy> policy_;
};

// Evaluates a DQL filter against an entity (subset: $and $or $in $nin $eq $ne $gt $gte $lt $lte
// $exists, dotted fields, equality).
bool dql_match(const Json& entity, const Json& filter);

}  // namespace dlexport::testing
