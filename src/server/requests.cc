#include "server/requests.h"

#include <fmt/format.h>

#include <charconv>
#include <unordered_set>

namespace dlexport::server {
namespace {

Result<Json> parse_json_object(std::string_view body) {
  Json json;
  try {
    json = Json::parse(body);
  } catch (const Json::exception&) {
    // The parser's message quotes the input; keep only where it stopped being JSON.
    return invalid_argument("the body is not valid JSON");
  }
  if (!json.is_object()) return invalid_argument("the body must be a JSON object");
  return json;
}

Status reject_unknown_fields(const Json& object, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) {
      // Field names from the request are echoed only when short and printable.
      std::string shown = key.size() <= 64 ? key : key.substr(0, 64) + "...";
      for (char& c : shown) {
        if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') c = '?';
      }
      return invalid_argument(fmt::format("unknown field \"{}\"", shown));
    }
  }
  return {};
}

Result<std::string> object_id_field(const Json& object, const char* name, bool required) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return invalid_argument(fmt::format("missing field \"{}\"", name));
    return std::string();
  }
  if (!it->is_string() || !is_object_id(it->get_ref<const std::string&>())) {
    return invalid_argument(fmt::format("\"{}\" must be a 24-hex-digit id", name));
  }
  return it->get<std::string>();
}

// Pushes `id` when new; false (with an error) when it is not an id.
Status add_id(const Json& value, const char* where, std::vector<std::string>& ids,
              std::unordered_set<std::string>& seen) {
  if (!value.is_string() || !is_object_id(value.get_ref<const std::string&>())) {
    return invalid_argument(fmt::format("{} holds a value that is not a 24-hex-digit id", where));
  }
  const std::string& id = value.get_ref<const std::string&>();
  if (seen.insert(id).second) ids.push_back(id);
  return {};
}

// A string id or a list of them at `value`.
Status add_ids(const Json& value, const char* where, std::vector<std::string>& ids,
               std::unordered_set<std::string>& seen) {
  if (value.is_array()) {
    if (value.empty()) return invalid_argument(fmt::format("{} is an empty list", where));
    for (const Json& element : value) DLX_RETURN_IF_ERROR(add_id(element, where, ids, seen));
    return {};
  }
  return add_id(value, where, ids, seen);
}

// An object (or list of objects) whose `key` holds the id(s): item.id, body.id, body.itemId.
Result<bool> add_nested_ids(const Json& event, const char* outer, const char* key,
                            const char* where, std::vector<std::string>& ids,
                            std::unordered_set<std::string>& seen) {
  auto it = event.find(outer);
  if (it == event.end()) return false;
  auto take = [&](const Json& object) -> Result<bool> {
    if (!object.is_object()) return false;
    auto inner = object.find(key);
    if (inner == object.end()) return false;
    DLX_RETURN_IF_ERROR(add_ids(*inner, where, ids, seen));
    return true;
  };
  if (it->is_array()) {
    if (it->empty()) return false;
    for (const Json& element : *it) {
      DLX_ASSIGN_OR_RETURN(bool found, take(element));
      if (!found) return false;
    }
    return true;
  }
  return take(*it);
}

Result<bool> add_event_ids(const Json& event, std::vector<std::string>& ids,
                           std::unordered_set<std::string>& seen) {
  if (!event.is_object()) return false;
  if (auto resource = event.find("resource"); resource != event.end() && resource->is_string() &&
                                              *resource != "Item" && *resource != "item") {
    return add_nested_ids(event, "body", "itemId", "body.itemId", ids, seen);
  }
  if (auto it = event.find("itemId"); it != event.end()) {
    DLX_RETURN_IF_ERROR(add_ids(*it, "itemId", ids, seen));
    return true;
  }
  DLX_ASSIGN_OR_RETURN(bool in_item, add_nested_ids(event, "item", "id", "item.id", ids, seen));
  if (in_item) return true;
  if (auto it = event.find("resourceId"); it != event.end()) {
    DLX_RETURN_IF_ERROR(add_ids(*it, "resourceId", ids, seen));
    return true;
  }
  DLX_ASSIGN_OR_RETURN(bool in_body, add_nested_ids(event, "body", "id", "body.id", ids, seen));
  if (in_body) return true;
  if (auto it = event.find("id"); it != event.end()) {
    DLX_RETURN_IF_ERROR(add_ids(*it, "id", ids, seen));
    return true;
  }
  return false;
}

}  // namespace

bool is_object_id(std::string_view id) {
  if (id.size() != 24) return false;
  for (char c : id) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Every byte of the longer input is visited, so the time reveals only the lengths.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

Result<ExportRequest> parse_export_request(std::string_view body) {
  DLX_ASSIGN_OR_RETURN(Json json, parse_json_object(body));
  DLX_RETURN_IF_ERROR(
      reject_unknown_fields(json, {"driver_id", "item_ids", "dataset_id", "query"}));
  ExportRequest request;
  DLX_ASSIGN_OR_RETURN(request.driver_id, object_id_field(json, "driver_id", true));
  DLX_ASSIGN_OR_RETURN(request.dataset_id, object_id_field(json, "dataset_id", false));
  const bool has_items = json.contains("item_ids");
  if (has_items == !request.dataset_id.empty()) {
    return invalid_argument("give exactly one of \"item_ids\" and \"dataset_id\"");
  }
  if (has_items) {
    const Json& items = json["item_ids"];
    if (!items.is_array() || items.empty()) {
      return invalid_argument("\"item_ids\" must be a non-empty list of 24-hex-digit ids");
    }
    std::unordered_set<std::string> seen;
    for (const Json& id : items) {
      DLX_RETURN_IF_ERROR(add_id(id, "\"item_ids\"", request.item_ids, seen));
    }
    if (json.contains("query")) return invalid_argument("\"query\" goes with \"dataset_id\"");
  }
  if (auto it = json.find("query"); it != json.end()) {
    if (!it->is_object()) return invalid_argument("\"query\" must be a JSON object (a DQL filter)");
    request.query = *it;
  }
  return request;
}

Result<RedriveRequest> parse_redrive_request(std::string_view body) {
  DLX_ASSIGN_OR_RETURN(Json json, parse_json_object(body));
  DLX_RETURN_IF_ERROR(reject_unknown_fields(json, {"all", "job_ids"}));
  RedriveRequest request;
  if (auto it = json.find("all"); it != json.end()) {
    if (!it->is_boolean()) return invalid_argument("\"all\" must be true or false");
    request.all = it->get<bool>();
  }
  if (auto it = json.find("job_ids"); it != json.end()) {
    if (!it->is_array()) return invalid_argument("\"job_ids\" must be a list of job ids");
    for (const Json& id : *it) {
      if (!id.is_number_integer() || id.get<std::int64_t>() <= 0) {
        return invalid_argument("\"job_ids\" must hold positive integers");
      }
      request.job_ids.push_back(id.get<std::int64_t>());
    }
  }
  if (request.all == !request.job_ids.empty()) {
    return invalid_argument("give either \"all\": true or a non-empty \"job_ids\" list");
  }
  return request;
}

Result<std::vector<std::string>> extract_webhook_item_ids(std::string_view body) {
  Json json;
  try {
    json = Json::parse(body);
  } catch (const Json::exception&) {
    return invalid_argument("the body is not valid JSON");
  }
  std::vector<std::string> ids;
  std::unordered_set<std::string> seen;
  const std::vector<Json> events =
      json.is_array() ? json.get<std::vector<Json>>() : std::vector<Json>{json};
  if (events.empty()) return invalid_argument("the body is an empty list");
  for (std::size_t i = 0; i < events.size(); ++i) {
    DLX_ASSIGN_OR_RETURN(bool found, add_event_ids(events[i], ids, seen));
    if (!found) {
      return invalid_argument(
          fmt::format("event {}: no item id at itemId, item.id, resourceId, body.id or id", i));
    }
  }
  return ids;
}

Result<ListenAddress> parse_listen_address(std::string_view listen) {
  ListenAddress out;
  std::string_view port_text;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return invalid_argument(fmt::format("listen \"{}\" is not [host]:port", listen));
    }
    out.host = std::string(listen.substr(1, close - 1));
    port_text = listen.substr(close + 2);
  } else {
    const auto colon = listen.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return invalid_argument(fmt::format("listen \"{}\" is not host:port", listen));
    }
    out.host = std::string(listen.substr(0, colon));
    port_text = listen.substr(colon + 1);
  }
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), out.port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || out.port < 0 ||
      out.port > 65535 || port_text.empty()) {
    return invalid_argument(fmt::format("listen \"{}\": the port must be 0..65535", listen));
  }
  return out;
}

}  // namespace dlexport::server
