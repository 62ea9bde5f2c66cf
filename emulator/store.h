#pragma once
// Store: the emulator's in-memory platform state — projects, drivers, datasets, items,
// annotations and the smaller entities (services, pipelines, packages, recipes, ontologies,
// webhooks, triggers, commands, users) — with the platform's JSON shapes.
//
// Contract:
// - Every entity is kept as the platform's JSON (ordered keys); the store fills server-side
//   fields (`id`, `url`, `createdAt`, counts, ...) the way WIRE.md describes. Absolute URLs are
//   built from `api_base_url` (e.g. "http://127.0.0.1:4242/api/v1").
// - IDs are 24-hex and strictly increasing in creation order (the SDK relies on `id` order for
//   keyset paging); ids loaded from fixtures advance the counter so new ids sort after them.
// - Thread-safe: one reader/writer lock; every method copies what it returns. Queries over large
//   datasets use indexes (items by id order and by filename, annotations by item) so keyset
//   paging and `itemId $in [...]` stay O(page), not O(dataset).
// - Driver-backed datasets mirror uploads into DriverStorage (files under the storage root) and
//   remove those files on item deletion only when the driver has `allowExternalDelete: true`.
// - Errors are Status values whose code maps to the HTTP status the routes answer with
//   (kNotFound → 404, kInvalidArgument → 400, kAlreadyExists → 409, kInternal → 500).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace dlexport::emulator {

class DriverStorage;

// The kinds of entity that are fetched by id with a plain GET.
enum class Kind {
  kProject,
  kDriver,
  kDataset,
  kItem,
  kAnnotation,
  kService,
  kPackage,
  kPipeline,
  kRecipe,
  kOntology,
  kWebhook,
  kTrigger,
  kCommand,
};

// One page of a DQL query, as the paged envelope (WIRE.md §0.3) reports it.
struct QueryPage {
  std::int64_t total_items = 0;  // matches of the whole filter (keyset conditions included)
  std::int64_t total_pages = 0;  // ceil(total_items / pageSize)
  bool has_next_page = false;
  std::vector<Json> items;

  // {"totalItemsCount", "items", "totalPagesCount", "hasNextPage"}; moves the items out (a page
  // of annotations is megabytes, and copying it was an eighth of the emulator's CPU).
  Json to_json() &&;
};

enum class UploadMode { kSkip, kOverwrite };

struct UploadRequest {
  std::string dataset_id;
  std::string path;      // the multipart `path` field: "/dir/sub/name.json"
  std::string content;   // the file's bytes
  std::string mimetype;  // from the file part's Content-Type ("application/json")
  UploadMode mode = UploadMode::kSkip;
  std::string creator;                     // email from the caller's JWT
  std::optional<Json> user_metadata;       // the optional `metadata` form field, parsed
  std::optional<std::string> description;  // the optional `description` form field
};

struct UploadResult {
  Json item;
  std::string op;  // x-item-op: "created", "overwrite" or "skip"
};

struct User {
  std::string email;
  std::string password;       // for user_credentials logins ("" = cannot log in that way)
  std::string refresh_token;  // accepted by POST /token?default ("" = none)
};

class Store {
 public:
  // `storage` may be null (then driver-backed datasets keep no files).
  Store(std::string api_base_url, std::shared_ptr<DriverStorage> storage);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& api_base_url() const;

  // A fresh 24-hex id, greater than every id handed out or loaded so far.
  std::string new_id();

  // Loads {"projects", "drivers", "datasets", "items", "annotations", "services", "packages",
  // "pipelines", "recipes", "ontologies", "webhooks", "triggers", "commands", "users"} (all
  // optional) in the platform's shapes, filling missing server-side fields. Entities that exist
  // are replaced. Items and annotations must reference a known dataset / item.
  // Returns {"<kind>": count, ...} of what was loaded.
  Result<Json> load_fixture(const Json& fixture);

  // --- by id -------------------------------------------------------------------------------
  Result<Json> get(Kind kind, std::string_view id) const;

  // --- drivers -----------------------------------------------------------------------------
  // GET /drivers?projectId= (all drivers when project_id is empty), plain array.
  Json list_drivers(std::string_view project_id) const;

  // --- datasets ----------------------------------------------------------------------------
  // POST /datasets: {"name", "projects", "driver" | "driverId", "createDefaultRecipe", ...}.
  Result<Json> create_dataset(const Json& body, const std::string& creator);
  // PATCH /datasets/{id}[?system=true]: merges the body; read-only keys are ignored;
  // `metadata.system` is only writable with system = true.
  Result<Json> patch_dataset(std::string_view id, const Json& body, bool system,
                             const std::string& updated_by);
  // DELETE /datasets/{id}: removes the dataset, its items and annotations (bucket files follow the
  // driver's allowExternalDelete rule).
  Status delete_dataset(std::string_view id);
  // POST /datasets/query: filter, page/pageSize, context.projects, systemSpace.
  Result<QueryPage> query_datasets(const Json& body) const;

  // --- items and annotations ---------------------------------------------------------------
  // POST /datasets/{id}/query with resource items|annotations (without `delete`).
  Result<QueryPage> query(std::string_view dataset_id, const Json& body) const;
  // POST /datasets/{id}/query with `delete: true` (items only): returns how many were deleted.
  Result<std::int64_t> delete_by_query(std::string_view dataset_id, const Json& body);
  // POST /datasets/{id}/items?mode=...
  Result<UploadResult> upload(const UploadRequest& request);
  // DELETE /items/{id}: removes the item and its annotations.
  Status delete_item(std::string_view id);
  // The bytes last uploaded for an item (GET /items/{id}/stream); "" for generated/fixture items.
  Result<std::string> item_content(std::string_view id) const;

  // --- events ------------------------------------------------------------------------------
  Result<Json> create_webhook(const Json& body, const std::string& creator);
  Result<Json> create_trigger(const Json& body, const std::string& creator);

  // --- users and tokens --------------------------------------------------------------------
  // The email of the user a refresh token belongs to.
  std::optional<std::string> user_for_refresh_token(std::string_view refresh_token) const;
  // Checks user_credentials; returns the email on success.
  std::optional<std::string> check_credentials(std::string_view username,
                                               std::string_view password) const;
  // A new refresh token for `email` (remembered, so it can be used later).
  std::string issue_refresh_token(const std::string& email);

  // --- admin -------------------------------------------------------------------------------
  // POST /__admin/generate: {"project_id", "dataset_id", "items", "annotations_per_item", "seed",
  // optional "driver_id", "dataset_name"}. Creates the project and dataset when missing, then adds
  // realistic items and annotations of every type, deterministic per seed.
  // Returns {"project_id", "dataset_id", "item_ids": [...], "annotations": n}.
  Result<Json> generate(const Json& spec);

  // Counts for the admin API and tests: {"projects": n, "datasets": n, "items": n, ...}.
  Json counts() const;

  // Opaque internals (emulator/store_state.h), named here so the store_*.cc helpers can use it.
  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace dlexport::emulator
