#pragma once
// Shared by the over-the-wire tests: an in-process emulator on 127.0.0.1 port 0 with a temp
// storage root, a cpp-httplib client and a small fixture covering every entity kind.

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "common/json.h"
#include "emulator/server.h"
#include "tests/support/paths.h"

namespace dlexport::emulator::wire_test {

inline constexpr const char* kProject = "6600000000000000000000a1";
inline constexpr const char* kDriverKeep = "6600000000000000000000d1";  // allowExternalDelete false
inline constexpr const char* kDriverDelete =
    "6600000000000000000000d2";  // allowExternalDelete true
inline constexpr const char* kDataset = "6600000000000000000000e5";
inline constexpr const char* kItem = "6600000000000000000000e8";
inline constexpr const char* kAnnotation = "6600000000000000000000f9";
inline constexpr const char* kMissing = "6600000000000000000fffff";

inline Json small_fixture() {
  return Json::parse(R"({
  "projects": [{"id": "6600000000000000000000a1", "name": "wire-project"}],
  "drivers": [
    {"id": "6600000000000000000000d1", "type": "s3", "name": "keep-bucket", "projectId": "6600000000000000000000a1",
     "integrationId": "6600000000000000000000b1", "integrationType": "s3", "allowExternalDelete": false,
     "bucketName": "keep", "region": "eu-west-1", "storageClass": "", "path": "exports/root"},
    {"id": "6600000000000000000000d2", "type": "s3", "name": "delete-bucket", "projectId": "6600000000000000000000a1",
     "integrationId": "6600000000000000000000b1", "integrationType": "s3", "allowExternalDelete": true,
     "bucketName": "del", "region": "eu-west-1", "storageClass": "", "path": ""}
  ],
  "datasets": [{"id": "6600000000000000000000e5", "name": "source", "projects": ["6600000000000000000000a1"],
                "metadata": {"system": {"recipes": ["6600000000000000000000ae"]}}}],
  "items": [{"id": "6600000000000000000000e8", "datasetId": "6600000000000000000000e5",
             "filename": "/folder/sub/image_001.jpg",
             "metadata": {"system": {"originalname": "image_001.jpg", "size": 1234, "mimetype": "image/jpeg"},
                          "user": {"batch": 7}}}],
  "annotations": [{"id": "6600000000000000000000f9", "datasetId": "6600000000000000000000e5",
                   "itemId": "6600000000000000000000e8", "type": "box", "label": "car", "attributes": [],
                   "coordinates": [{"x": 10, "y": 20, "z": 0}, {"x": 30, "y": 40, "z": 0}]}],
  "services": [{"id": "6600000000000000000000c3", "name": "export-storage-driver", "projectId": "6600000000000000000000a1",
                "packageId": "6600000000000000000000c4"}],
  "packages": [{"id": "6600000000000000000000c4", "name": "export-storage-driver", "projectId": "6600000000000000000000a1"}],
  "pipelines": [{"id": "6600000000000000000000c5", "name": "p", "projectId": "6600000000000000000000a1", "nodes": []}],
  "recipes": [{"id": "6600000000000000000000ae", "title": "r", "ontologyIds": ["6600000000000000000000af"]}],
  "ontologies": [{"id": "6600000000000000000000af", "title": "o", "labels": []}],
  "commands": [{"id": "6600000000000000000000cc", "type": "ItemsBulkDelete", "status": "success", "progress": 100}],
  "users": [{"email": "bot@example.com", "password": "s3cret", "refresh_token": "refresh-abc"}]
})");
}

// An in-process emulator plus a client with a valid bearer token.
class WireTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }
  void TearDown() override {
    if (server_) server_->stop();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  void start(ServerOptions options, bool load_fixture = true) {
    if (server_) server_->stop();
    root_ = dlexport::testing::make_temp_dir("dlx-emu-wire");
    options.storage_root = root_;
    auto started = Server::start(std::move(options));
    ASSERT_TRUE(started.has_value()) << started.error().message();
    server_ = std::move(*started);
    if (load_fixture) {
      auto loaded = server_->store().load_fixture(small_fixture());
      ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
    }
    token_ = server_->token_for("tester@example.com", std::chrono::hours(1));
  }

  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_read_timeout(30, 0);
    return c;
  }
  httplib::Headers auth() const { return {{"authorization", "Bearer " + token_}}; }

  static Json body_json(const httplib::Result& r) {
    EXPECT_TRUE(r) << "transport error " << httplib::to_string(r.error());
    if (!r) return Json();
    try {
      return Json::parse(r->body);
    } catch (const Json::exception&) {
      ADD_FAILURE() << "not JSON: " << r->body;
      return Json();
    }
  }

  std::unique_ptr<Server> server_;
  std::filesystem::path root_;
  std::string token_;
};

}  // namespace dlexport::emulator::wire_test
