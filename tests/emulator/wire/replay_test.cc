// THE REPLAY TEST: every request the real SDK sent in shared/dataloop/recordings/*.json is
// replayed, in order, against a fresh emulator loaded with that recording's fixture
// (replay_fixtures/<recording>.json, derived from the recorded answers by make_fixtures.py).
// Each answer must have the recorded status class and carry every field the recorded answer
// carried (recursively; arrays by their first element; the recordings' "...<N more elements
// trimmed...>" markers are ignored).
//
// Practicalities: recorded JWTs are fake-signed and expired, so each is re-signed with the
// emulator's secret and a fresh `exp` (except where the recorded answer was 401: that bad token
// is sent as is); ids the recording created (uploads, datasets, webhooks) differ here, so a
// recorded-id → our-id map from the answers is applied to later paths and bodies.

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "common/json.h"
#include "emulator/jwt.h"
#include "emulator/server.h"
#include "tests/emulator/wire/upload_helper.h"
#include "tests/support/paths.h"

namespace dlexport::emulator {
namespace {

namespace fs = std::filesystem;

fs::path recordings_dir() { return dlexport::testing::shared_dir() / "dataloop" / "recordings"; }
fs::path fixtures_dir() { return fs::path(__FILE__).parent_path() / "replay_fixtures"; }

Json read_json(const fs::path& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

bool is_trim_marker(const Json& v) {
  return v.is_string() && v.get<std::string>().rfind("...<", 0) == 0 &&
         v.get<std::string>().find("trimmed") != std::string::npos;
}

// Appends to `problems` every recorded field our answer lacks.
void check_shape(const Json& recorded, const Json& ours, const std::string& where,
                 std::vector<std::string>* problems) {
  if (recorded.is_object()) {
    if (!ours.is_object()) {
      problems->push_back(where + ": expected an object, got " + ours.dump().substr(0, 80));
      return;
    }
    for (const auto& [key, value] : recorded.items()) {
      auto it = ours.find(key);
      if (it == ours.end()) {
        problems->push_back(where + "." + key + ": missing");
      } else {
        check_shape(value, *it, where + "." + key, problems);
      }
    }
  } else if (recorded.is_array()) {
    if (!ours.is_array()) {
      problems->push_back(where + ": expected an array");
      return;
    }
    if (!recorded.empty() && !is_trim_marker(recorded[0])) {
      if (ours.empty()) {
        problems->push_back(where + ": empty array, recorded had elements");
      } else {
        check_shape(recorded[0], ours[0], where + "[0]", problems);
      }
    }
  }
}

std::string resign(const std::string& token) {
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.find('.', dot1 + 1);
  auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  Json payload = Json::parse(*payload_text);
  payload["iat"] = unix_now();
  payload["exp"] = unix_now() + 3600;
  return sign_jwt(payload, kDefaultJwtSecret);
}

std::string substitute(std::string text, const std::map<std::string, std::string>& ids) {
  for (const auto& [from, to] : ids) {
    for (std::size_t pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size())) {
      text.replace(pos, from.size(), to);
    }
  }
  return text;
}

// paging.json's dataset: 2300 file items /bulk/f0000.jpg.. (ids 0x006..0x901), 1150 annotations
// on the first item and one on each of the next four (ids 0x904 + 2k, as recorded).
void add_paging_entities(Json* fixture) {
  const Json item_template = (*fixture)["items"][0];
  const Json annotation_template = (*fixture)["annotations"][0];
  Json items = Json::array();
  char id[32];
  char name[32];
  for (int i = 0; i < 2300; ++i) {
    Json item = item_template;
    std::snprintf(id, sizeof(id), "66000000000000000000%04x", 0x006 + i);
    std::snprintf(name, sizeof(name), "f%04d.jpg", i);
    item["id"] = id;
    item["name"] = name;
    item["filename"] = std::string("/bulk/") + name;
    item["metadata"]["system"]["originalname"] = name;
    items.push_back(std::move(item));
  }
  Json annotations = Json::array();
  for (int k = 0; k < 1154; ++k) {
    Json a = annotation_template;
    std::snprintf(id, sizeof(id), "66000000000000000000%04x", 0x904 + 2 * k);
    a["id"] = id;
    if (a.contains("url")) {
      std::string url = a["url"];
      a["url"] = url.substr(0, url.rfind('/') + 1) + id;
    }
    a["hash"] = std::string("0000000000000000") + id;
    const int item_index = k < 1150 ? 0 : k - 1149;
    std::snprintf(id, sizeof(id), "66000000000000000000%04x", 0x006 + item_index);
    a["itemId"] = id;
    a["coordinates"] =
        Json::array({{{"x", k}, {"y", k}, {"z", 0}}, {{"x", k + 1}, {"y", k + 1}, {"z", 0}}});
    annotations.push_back(std::move(a));
  }
  (*fixture)["items"] = std::move(items);
  (*fixture)["annotations"] = std::move(annotations);
}

class ReplayTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReplayTest, EmulatorAnswersLikeTheRecording) {
  const std::string name = GetParam();
  const Json recording = read_json(recordings_dir() / name);
  Json fixture = read_json(fixtures_dir() / name);
  if (name == "paging.json") add_paging_entities(&fixture);

  const fs::path root = dlexport::testing::make_temp_dir("dlx-emu-replay");
  ServerOptions options;
  options.storage_root = root;
  options.agent_secret = "agent-secret-123";  // what auth.json's GET /get_jwt sends
  auto server = Server::start(options);
  ASSERT_TRUE(server.has_value()) << server.error().message();
  auto loaded = (*server)->store().load_fixture(fixture);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();

  httplib::Client client("127.0.0.1", (*server)->port());
  client.set_read_timeout(60, 0);
  std::map<std::string, std::string> ids;  // recorded id → ours
  int passed = 0;
  int total = 0;
  for (const Json& rec : recording["requests"]) {
    ++total;
    const std::string method = rec["method"];
    const std::string path = substitute(rec["raw_path"].get<std::string>(), ids);
    const Json& recorded = rec["response"];
    const int recorded_status = recorded["status"];
    const std::string label = name + " #" + std::to_string(rec["seq"].get<int>()) + " " + method +
                              " " + rec["raw_path"].get<std::string>();

    httplib::Headers headers;
    std::string content_type;
    for (const Json& h : rec["headers"]) {
      const std::string key = h[0];
      std::string value = h[1];
      std::string lower = key;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "host" || lower == "content-length" || lower == "transfer-encoding") continue;
      if (lower == "content-type") {
        content_type = value;
        continue;
      }
      if (lower == "authorization" && recorded_status != 401) {
        value = "Bearer " + resign(value.substr(7));
      }
      headers.emplace(key, value);
    }

    const std::string kind = rec["body_kind"];
    std::string body;
    if (kind == "json") {
      body = substitute(rec["body"].dump(), ids);
    } else if (kind == "raw") {
      body = rec["body"].get<std::string>();
    } else if (kind == "multipart") {
      body = substitute(rec["raw_multipart"].get<std::string>(), ids);
    }

    httplib::Result r{nullptr, httplib::Error::Unknown};
    if (method == "GET") {
      r = client.Get(path, headers);
    } else if (method == "POST" && rec.contains("chunked") && rec["chunked"] == true) {
      r = wire_test::post_chunked(client, path, headers, body, content_type);
    } else if (method == "POST") {
      r = client.Post(path, headers, body, content_type);
    } else if (method == "PATCH") {
      r = client.Patch(path, headers, body, content_type);
    } else if (method == "PUT") {
      r = client.Put(path, headers, body, content_type);
    } else if (method == "DELETE") {
      r = client.Delete(path, headers);
    }
    if (!r) {
      ADD_FAILURE() << label << ": transport error " << httplib::to_string(r.error());
      continue;
    }
    std::vector<std::string> problems;
    if (r->status / 100 != recorded_status / 100) {
      problems.push_back("status " + std::to_string(r->status) + ", recorded " +
                         std::to_string(recorded_status) + " (" + r->body.substr(0, 200) + ")");
    }
    if (r->get_header_value("x-request-id").empty()) problems.push_back("no x-request-id");
    if (recorded["headers"].contains("x-item-op") && !r->has_header("x-item-op")) {
      problems.push_back("no x-item-op header");
    }
    const Json& recorded_body = recorded["body"];
    if (problems.empty() && (recorded_body.is_object() || recorded_body.is_array())) {
      Json ours;
      try {
        ours = Json::parse(r->body);
      } catch (const Json::exception&) {
        problems.push_back("answer is not JSON: " + r->body.substr(0, 200));
      }
      if (problems.empty()) {
        check_shape(recorded_body, ours, "body", &problems);
        if (recorded_body.is_object() && recorded_body.contains("id") && ours.is_object() &&
            ours.contains("id") && recorded_body["id"] != ours["id"]) {
          ids[recorded_body["id"].get<std::string>()] = ours["id"].get<std::string>();
        }
      }
    }
    if (problems.empty()) {
      ++passed;
    } else {
      std::string all;
      for (const std::string& p : problems) all += "\n    " + p;
      ADD_FAILURE() << label << ":" << all;
    }
  }
  std::cout << "[replay] " << name << ": " << passed << "/" << total << " requests match\n";
  RecordProperty("passed", passed);
  RecordProperty("total", total);
  (*server)->stop();
  std::error_code ec;
  fs::remove_all(root, ec);
}

std::vector<std::string> recordings_with_requests() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(recordings_dir(), ec)) {
    if (entry.path().extension() != ".json") continue;
    try {
      if (read_json(entry.path()).contains("requests")) {
        names.push_back(entry.path().filename().string());
      }
    } catch (const Json::exception&) {
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Recordings, ReplayTest, ::testing::ValuesIn(recordings_with_requests()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string n = param.param.substr(0, param.param.rfind('.'));
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST(ReplayRecordings, AllSevenRecordingsWithRequestsAreReplayed) {
  EXPECT_EQ(recordings_with_requests().size(), 7u);
  for (const std::string& name : recordings_with_requests()) {
    EXPECT_TRUE(fs::exists(fixtures_dir() / name)) << name;
  }
}

}  // namespace
}  // namespace dlexport::emulator
