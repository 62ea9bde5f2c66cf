#pragma once
// Shared helpers of the end-to-end tests: an emulator with a project and drivers loaded through
// its admin API, in-process runs through the composition root (src/app/wiring.h), runs of the
// real dlexport binary, and a view of the emulator's bucket storage.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "app/export_run.h"
#include "app/wiring.h"
#include "config/config.h"
#include "format/format.h"
#include "format/path_template.h"
#include "http/curl/curl_http_client.h"
#include "tests/support/emulator_process.h"
#include "tests/support/paths.h"

namespace dlexport::testing {

inline constexpr const char* kProject = "6600000000000000000000a1";
inline constexpr const char* kSafeDriver = "6600000000000000000000d1";
inline constexpr const char* kUnsafeDriver = "6600000000000000000000d2";
inline constexpr const char* kFlaglessDriver = "6600000000000000000000d3";
inline constexpr const char* kSource = "6600000000000000000000e5";
inline constexpr const char* kBucket = "demo-bucket";

inline Json driver_json(const std::string& id, std::optional<bool> allow_delete) {
  Json d = {{"id", id},
            {"type", "s3"},
            {"name", "export-" + id.substr(20)},
            {"projectId", kProject},
            {"integrationId", "6600000000000000000000b1"},
            {"integrationType", "s3"},
            {"metadata", Json{{"system", Json{{"projectId", kProject}}}}},
            {"bucketName", kBucket},
            {"region", "eu-west-1"},
            {"path", "exports"}};
  if (allow_delete) d["allowExternalDelete"] = *allow_delete;
  return d;
}

class Emu {
 public:
  explicit Emu(const std::vector<std::string>& extra = {}) {
    std::string error;
    process_ = EmulatorProcess::start(extra, &error);
    if (!process_) {
      ADD_FAILURE() << "emulator: " << error;
      return;
    }
    http_ = http::make_curl_http_client().value();
    auto minted = run_emulator_command({"token", "--email", "e2e@example.com"});
    token_ = minted.out;
    while (!token_.empty() && (token_.back() == '\n' || token_.back() == '\r')) token_.pop_back();
    admin("POST", "/__admin/fixture",
          Json{{"projects", Json::array({Json{{"id", kProject}, {"name", "e2e"}}})},
               {"drivers",
                Json::array({driver_json(kSafeDriver, false), driver_json(kUnsafeDriver, true),
                             driver_json(kFlaglessDriver, std::nullopt)})}});
  }
  bool ok() const { return process_ != nullptr; }

  Json admin(const std::string& method, const std::string& path, const Json& body = nullptr) {
    http::Request request;
    request.method = method == "GET"      ? http::Method::kGet
                     : method == "PUT"    ? http::Method::kPut
                     : method == "DELETE" ? http::Method::kDelete
                                          : http::Method::kPost;
    request.url = process_->gate_url() + path;
    if (!body.is_null()) {
      request.headers.set("Content-Type", "application/json");
      request.body = body.dump();
    }
    auto response = http_->send(request);
    EXPECT_TRUE(response) << path;
    if (!response) return nullptr;
    EXPECT_LT(response->status, 300) << path << ": " << response->body;
    try {
      return Json::parse(response->body);
    } catch (...) {
      return nullptr;
    }
  }

  // Generates the source dataset (a normal dataset, no driver).
  Json generate(int items, int annotations_per_item, int seed = 1) {
    return admin("POST", "/__admin/generate",
                 Json{{"project_id", kProject},
                      {"dataset_id", kSource},
                      {"items", items},
                      {"annotations_per_item", annotations_per_item},
                      {"seed", seed}});
  }

  Json stats() { return admin("GET", "/__admin/stats"); }
  int route_count(const std::string& route) {
    Json s = stats();
    return s["requests"].value(route, 0);
  }

  // Every file under <root>/demo-bucket/exports, keyed by "/<relative path>".
  std::map<std::string, std::string> bucket_files() const {
    std::map<std::string, std::string> files;
    const auto root = process_->storage_root() / kBucket / "exports";
    if (!std::filesystem::exists(root)) return files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      files["/" + std::filesystem::relative(entry.path(), root).generic_string()] = bytes.str();
    }
    return files;
  }

  // Checks that every item of `dataset_id` (read through a client of its own, with state in
  // `probe_state`) is in the bucket at the default template's path, with the bytes the dataloop
  // format makes of it and its annotations. Returns how many items matched and, in `types`, the
  // annotation types seen.
  int expect_bucket_matches_format(const std::filesystem::path& probe_state,
                                   const std::string& dataset_id,
                                   std::set<std::string>* types = nullptr) {
    const auto files = bucket_files();
    auto platform = app::make_platform(options(probe_state)).value();
    auto fmt = format::make_format("dataloop").value();
    auto tmpl = format::PathTemplate::parse(format::kDefaultPathTemplate).value();
    dataloop::ItemPager pager = platform.client->query_items(dataset_id);
    int matched = 0;
    while (!pager.done()) {
      auto page = pager.next();
      if (!page) {
        ADD_FAILURE() << page.error().to_string();
        return matched;
      }
      std::vector<std::string> ids;
      for (const auto& item : *page) ids.push_back(item.id);
      if (ids.empty()) break;
      auto annotations =
          platform.client->list_annotations_batch(dataset_id, ids, dataloop::AnnotationTypes::kAll);
      if (!annotations) {
        ADD_FAILURE() << annotations.error().to_string();
        return matched;
      }
      for (const auto& item : *page) {
        const auto& list = (*annotations)[item.id];
        if (types != nullptr) {
          for (const auto& a : list) {
            if (a.contains("type") && a["type"].is_string())
              types->insert(a["type"].get<std::string>());
          }
        }
        const std::string path = tmpl.render(*item.raw).value();
        auto it = files.find(path);
        if (it == files.end()) {
          ADD_FAILURE() << "missing " << path;
          continue;
        }
        const std::string expected = fmt->encode(to_json(*item.raw), list).value().bytes;
        EXPECT_EQ(it->second, expected) << path;
        if (it->second == expected) ++matched;
      }
    }
    return matched;
  }

  // Options as `dlexport` would build them from this environment (plus `extra` variables).
  config::Options options(const std::filesystem::path& state_dir,
                          const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> env = {
        {"DLEXPORT_API_URL", process_->api_base_url()}, {"DLEXPORT_API_KEY", token_},
        {"DLEXPORT_STATE_DIR", state_dir.string()},     {"DLEXPORT_RETRY_BASE_DELAY_MS", "5"},
        {"DLEXPORT_RETRY_MAX_DELAY_MS", "50"},          {"DLEXPORT_LOG_LEVEL", "warn"}};
    for (const auto& [k, v] : extra) env[k] = v;
    auto loaded = config::load(std::nullopt, [env](std::string_view name) {
      auto it = env.find(std::string(name));
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
    EXPECT_TRUE(loaded) << loaded.error().to_string();
    return loaded.value_or(config::Options{});
  }

  // One export through the composition root, in this process.
  app::ExportReport export_items(const config::Options& options, app::ExportRequest request) {
    auto platform = app::make_platform(options);
    EXPECT_TRUE(platform) << platform.error().to_string();
    auto tools = app::make_export_tools(options);
    EXPECT_TRUE(tools) << tools.error().to_string();
    app::ExportDeps deps{*platform->client,     *platform->retry,    *tools->format,
                         *tools->path_template, tools->ledger.get(), options.export_,
                         options.cleanup};
    return app::run_export(deps, request);
  }

  struct CliResult {
    int exit_code = -1;
    std::string output;
  };
  // Runs build/bin/dlexport with the emulator's URL and key in its environment.
  CliResult dlexport(const std::string& args, const std::filesystem::path& state_dir,
                     const std::string& extra_env = "") {
    const std::string command =
        "env DLEXPORT_API_URL=" + process_->api_base_url() + " DLEXPORT_API_KEY=" + token_ +
        " DLEXPORT_STATE_DIR=" + state_dir.string() + " DLEXPORT_RETRY_BASE_DELAY_MS=5 " +
        extra_env + " " + (bin_dir() / "dlexport").string() + " " + args + " 2>&1";
    CliResult result;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
  }

  EmulatorProcess& process() { return *process_; }
  const std::string& token() const { return token_; }

 private:
  std::unique_ptr<EmulatorProcess> process_;
  http::HttpClientPtr http_;
  std::string token_;
};

}  // namespace dlexport::testing
