#pragma once
// ItemSource: pages through the items of a dataset that match a DQL condition. The dataset
// watcher and `POST /v1/exports {dataset_id, query}` resolve item ids through it; the Dataloop
// implementation (dataloop_item_source.h) pages with the client's keyset paging, tests use fakes.
//
// Contract: scan() calls on_page once per page, in order, and stops at the first error, from the
// platform or returned by on_page (which is then returned). `conditions` is a JSON array of DQL
// objects ANDed with the platform defaults (hidden = false, type = file). Thread-safe.

#include <functional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace dlexport::worker {

struct ItemRef {
  std::string id;
  std::string updated_at;  // ISO-8601 as the platform sends it ("2024-05-01T10:00:00.000Z")
};

class ItemSource {
 public:
  using PageHandler = std::function<Status(const std::vector<ItemRef>& page)>;
  virtual ~ItemSource() = default;
  virtual Status scan(const std::string& dataset_id, const Json& conditions,
                      const PageHandler& on_page) = 0;
};

}  // namespace dlexport::worker
