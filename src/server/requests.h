#pragma once
// Parsing and validation of what arrives at the control API and the webhook receiver. Pure
// functions (no I/O), so every bad-input rule has a unit test; the HTTP layer only maps the
// resulting Status to a 4xx JSON answer. Nothing is enqueued unless parsing succeeded.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace dlexport::server {

// A Dataloop object id: exactly 24 lowercase or uppercase hex digits.
bool is_object_id(std::string_view id);

// Compares two secrets in time that depends only on their lengths, not on where they differ.
bool constant_time_equals(std::string_view a, std::string_view b);

// POST /v1/exports. Exactly one of item_ids / dataset_id; query only with dataset_id.
struct ExportRequest {
  std::string driver_id;
  std::vector<std::string> item_ids;  // deduplicated, first occurrence order
  std::string dataset_id;
  Json query = Json::object();  // a DQL condition ANDed with the defaults; {} = every item
};
Result<ExportRequest> parse_export_request(std::string_view body);

// POST /v1/dead-letters/redrive: {"all": true} or {"job_ids": [1, 2]}.
struct RedriveRequest {
  bool all = false;
  std::vector<std::int64_t> job_ids;
};
Result<RedriveRequest> parse_redrive_request(std::string_view body);

// The item ids of a platform event (POST /v1/hooks/dataloop/{driver_id}). The body is one event
// object or an array of them. In each event the item id is taken from the first of `itemId`,
// `item.id`, `resourceId`, `body.id`, `id` that is present; each may also be a list (of ids, or of
// objects with `id` for `item`/`body`). An event whose `resource` is given and is not "Item"
// counts only through `body.itemId` (an annotation changed: its item is re-exported). Duplicates
// collapse, order is kept. Errors (kInvalidArgument): not JSON, no id found in an event (an
// unknown shape), an id that is not 24-hex.
Result<std::vector<std::string>> extract_webhook_item_ids(std::string_view body);

// "host:port" or "[v6]:port" -> host and port (0..65535).
struct ListenAddress {
  std::string host;
  int port = 0;
};
Result<ListenAddress> parse_listen_address(std::string_view listen);

}  // namespace dlexport::server
