#include "dataloop/dql.h"

namespace dlexport::dataloop {
namespace {

Json type_condition() {
  Json types = Json::array();
  for (const auto& type : exportable_annotation_types()) types.push_back(type);
  return Json{{"type", Json{{"$in", std::move(types)}}}};
}

}  // namespace

const std::vector<std::string>& exportable_annotation_types() {
  static const std::vector<std::string> kTypes = {
      "box",       "cube",    "cube_3d",         "class",       "comparison", "ellipse",
      "point",     "segment", "polyline",        "pose",        "binary",     "subtitle",
      "text_mark", "gis",     "ref_semantic_3d", "polyline_3d", "text",       "ref_image"};
  return kTypes;
}

Json with_id_after(Json filter, std::string_view after_id) {
  if (after_id.empty()) return filter;
  if (!filter.is_object()) filter = Json::object();
  if (!filter.contains("$and") || !filter["$and"].is_array()) filter["$and"] = Json::array();
  filter["$and"].push_back(Json{{"id", Json{{"$gt", std::string(after_id)}}}});
  return filter;
}

Json item_filter_json(const ItemFilter& filter, std::string_view after_id) {
  Json conditions = Json::array();
  if (filter.include_defaults) {
    conditions.push_back(Json{{"hidden", false}});
    conditions.push_back(Json{{"type", "file"}});
  }
  if (filter.conditions.is_array()) {
    for (const auto& condition : filter.conditions) conditions.push_back(condition);
  } else if (filter.conditions.is_object()) {
    conditions.push_back(filter.conditions);
  }
  return with_id_after(Json{{"$and", std::move(conditions)}}, after_id);
}

Json keyset_query_body(Json filter, int page_size, std::string_view resource) {
  Json body = Json::object();
  body["filter"] = std::move(filter);
  body["sort"] = Json{{"id", "ascending"}};
  body["page"] = 0;
  body["pageSize"] = page_size;
  body["resource"] = std::string(resource);
  return body;
}

Json annotation_filter_for_item(std::string_view item_id, AnnotationTypes types) {
  Json conditions = Json::array();
  if (types == AnnotationTypes::kExportable) conditions.push_back(type_condition());
  conditions.push_back(Json{{"itemId", std::string(item_id)}});
  return Json{{"$and", std::move(conditions)}};
}

Json annotation_filter_for_items(const std::vector<std::string>& item_ids, AnnotationTypes types) {
  Json conditions = Json::array();
  if (types == AnnotationTypes::kExportable) conditions.push_back(type_condition());
  Json ids = Json::array();
  for (const auto& id : item_ids) ids.push_back(id);
  conditions.push_back(Json{{"itemId", Json{{"$in", std::move(ids)}}}});
  return Json{{"$and", std::move(conditions)}};
}

}  // namespace dlexport::dataloop
