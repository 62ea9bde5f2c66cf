#pragma once
// Typed views of the Dataloop entities the exporter touches. Each keeps the platform JSON in
// `raw` (export formats consume it byte for byte) and exposes only the fields callers read.
// Parsing fails (kInternal) only when a field the client itself relies on (the id) is missing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/json_doc.h"
#include "common/result.h"

namespace dlexport::dataloop {

struct Item {
  std::string id, dataset_id, filename, dir, name, updated_at;
  // The item's JSON as the platform sent it: a node of its listing page (which it keeps alive)
  // or of a document of its own.
  JsonRef raw;
};

struct Driver {
  std::string id, type, name, project_id;
  // Missing is NOT false: a driver that does not say must be treated as unsafe.
  std::optional<bool> allow_external_delete;
  std::string bucket;  // bucketName (s3), bucket (gcs) or containerName (azure)
  std::string path;
  Json raw;
};

struct Dataset {
  std::string id, name;
  std::string driver_id;  // "" when the dataset is not driver-backed
  std::vector<std::string> project_ids;
  bool system_scope = false;     // metadata.system.scope == "system"
  bool export_solution = false;  // metadata.system.exportSolution == true
  std::string created_at;
  Json raw;
};

struct Command {
  std::string id, type, status;
  double progress = 0;
  Json raw;
  // success, failed, timeout, canceled, aborted (WIRE §7.3).
  bool terminal() const;
  bool succeeded() const { return status == "success"; }
};

struct User {
  std::string id, email;
  Json raw;
};

// By value: callers with a temporary (a page entry) move it in instead of copying.
Result<Item> parse_item(const Json& json);
// The same for an entry of a listing page.
Result<Item> parse_item(JsonRef json);
Result<Driver> parse_driver(const Json& json);
Result<Dataset> parse_dataset(const Json& json);
Result<Command> parse_command(const Json& json);

// The string at `key` of an object, or "" when absent or not a string.
std::string string_field(const Json& object, const char* key);
// The member `key` of an object, or nullptr (also when `object` is not an object).
const Json* member(const Json& object, const char* key);
// The member at a dotted path ("metadata.system.size"), or nullptr.
const Json* member_path(const Json& object, std::string_view dotted);

}  // namespace dlexport::dataloop
