#pragma once
// Server-side fields of each entity kind: what the gate adds to what a client (or a fixture)
// supplies. Fixture entities keep their own keys, values and key order; only missing keys are
// appended (so golden item/annotation JSON is served back unchanged). Entities the store
// creates itself are laid out in the key order the recordings show.
//
// Pure functions over JSON; no locking, no state.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/json.h"
#include "emulator/store.h"

namespace dlexport::emulator {

// "2025-01-01T10:00:00.000Z" for a time in milliseconds since the epoch / for now.
std::string iso_from_millis(std::int64_t millis);
std::int64_t now_millis();
std::string iso_now();

// "projects", "items", ... — the path segment of GET /<segment>/{id}.
std::string_view kind_segment(Kind kind);

// "<base>/<segment>/<id>"
std::string entity_url(const std::string& base, Kind kind, std::string_view id);

// json[key] when it is a string / a boolean, else `fallback` (never throws on odd input).
std::string string_field(const Json& json, const char* key, std::string fallback = "");
bool bool_field(const Json& json, const char* key, bool fallback);

// Sets json[key] = value unless the key is present.
void set_default(Json& json, const char* key, Json value);

// A copy with `order`'s keys first (those present), then the rest in their original order.
Json with_key_order(const Json& json, std::initializer_list<const char*> order);

// The key orders of entities the store builds itself (recordings).
Json in_item_order(const Json& item);
Json in_dataset_order(const Json& dataset);
Json in_annotation_order(const Json& annotation);

// Splits a normalised "/a/b/c.json" into dir "/a/b" and name "c.json" (root dir is "/").
void split_filename(std::string_view filename, std::string* dir, std::string* name);
// "/a/b" + "c" → "/a/b/c"; "/" + "c" → "/c".
std::string join_filename(std::string_view dir, std::string_view name);
// A mimetype from a file name's extension ("application/octet-stream" when unknown).
std::string guess_mimetype(std::string_view name);

// Each fills missing server-side fields in place. `json["id"]` must already be set.
void fill_project(Json& project, const std::string& base, const std::string& now);
// Also flattens a create-style `payload` object into the driver (WIRE §2.3 vs §2.1).
void fill_driver(Json& driver, const std::string& base, const std::string& now);
void fill_dataset(Json& dataset, const std::string& base, const std::string& now);
// `metadata` is left as given when present (it is the platform's, served verbatim); counts are
// not filled here (the store serves them live unless the fixture states them).
void fill_item(Json& item, const Json& dataset, const std::string& base, const std::string& now);
// Only datasetId, itemId, the item/dataset links and authorship are filled; url, type, label,
// metadata, attributes, hash and source stay as given, because the golden vectors contain
// platform annotations without them and the SDK's export reacts to their absence (§5.2).
void fill_annotation(Json& annotation, const Json& item, const std::string& base,
                     const std::string& now);
void fill_recipe(Json& recipe, const std::string& base, const std::string& now);
void fill_ontology(Json& ontology, const std::string& base, const std::string& now);
// Services, packages, pipelines, webhooks, triggers: id, url, createdAt, updatedAt, creator.
void fill_generic(Kind kind, Json& entity, const std::string& base, const std::string& now,
                  const std::string& creator);
void fill_command(Json& command, const std::string& base, const std::string& now);

}  // namespace dlexport::emulator
