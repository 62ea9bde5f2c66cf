#pragma once
// Builders for the DQL query bodies the client sends (WIRE.md §3.1, §4.4, §5.1, §5.3, §7.2).
// Pure functions, exposed so tests can compare them with the recorded SDK requests.

#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace dlexport::dataloop {

// Every SDK annotation type except "note" (notes are never exported), in the SDK's order.
const std::vector<std::string>& exportable_annotation_types();

// Which annotations a query returns.
enum class AnnotationTypes {
  kExportable,  // exportable_annotation_types(): what the Python exporter writes
  kAll,         // no type condition: notes included (the "raw" format)
};

// Conditions of an item query: the SDK defaults ({"hidden": false}, {"type": "file"}) unless
// include_defaults is false, then `conditions` (each a DQL object) appended to "$and".
struct ItemFilter {
  Json conditions = Json::array();
  bool include_defaults = true;
};

// {"$and": [...]} for an item filter, plus an optional keyset condition {"id": {"$gt": after}}.
Json item_filter_json(const ItemFilter& filter, std::string_view after_id = {});

// The body of a keyset-paged query: filter, sort id ascending, page 0, pageSize, resource.
Json keyset_query_body(Json filter, int page_size, std::string_view resource);

// {"$and": [types..., {"itemId": id}]} — one item (§5.1).
Json annotation_filter_for_item(std::string_view item_id, AnnotationTypes types);
// {"$and": [types..., {"itemId": {"$in": ids}}]} — many items (§5.3).
Json annotation_filter_for_items(const std::vector<std::string>& item_ids, AnnotationTypes types);

// Appends {"id": {"$gt": after}} to a {"$and": [...]} filter (creating $and when missing).
Json with_id_after(Json filter, std::string_view after_id);

}  // namespace dlexport::dataloop
