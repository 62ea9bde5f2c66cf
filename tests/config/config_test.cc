#include "config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "tests/support/paths.h"

namespace dlexport::config {
namespace {

using EnvMap = std::map<std::string, std::string, std::less<>>;

Environment env_of(EnvMap vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const EnvMap kMinimal = {{"DLEXPORT_API_URL", "https://gate.dataloop.ai/api/v1"},
                         {"DLEXPORT_API_KEY", "header.payload.signature"}};

std::filesystem::path write_file(const std::string& name, const std::string& text) {
  static const auto dir = dlexport::testing::make_temp_dir("dlx-config");
  auto path = dir / name;
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigTest, OnlyUrlAndKeyGiveDocumentedDefaults) {
  auto options = load(std::nullopt, env_of(kMinimal));
  ASSERT_TRUE(options.has_value()) << options.error().to_string();
  EXPECT_EQ(options->platform.gate_url, "https://gate.dataloop.ai");
  EXPECT_EQ(options->platform.api_key.reveal(), "header.payload.signature");
  EXPECT_EQ(options->export_.format, "dataloop");
  EXPECT_EQ(options->export_.path_template, "{dir}/{stem}.json");
  EXPECT_EQ(options->export_.concurrency, 32);
  EXPECT_TRUE(options->cleanup.immediate);
  EXPECT_FALSE(options->cleanup.threshold.has_value());
  EXPECT_EQ(options->server.listen, "127.0.0.1:8080");
}

TEST(ConfigTest, MissingApiUrlNamesTheVariable) {
  auto options = load(std::nullopt, env_of({}));
  ASSERT_FALSE(options.has_value());
  EXPECT_NE(options.error().message().find("DLEXPORT_API_URL"), std::string::npos);
}

TEST(ConfigTest, YamlThenEnvironmentOverrides) {
  auto path = write_file("a.yaml", R"(
platform:
  api_url: https://custom.example.com/api/v1
export:
  format: raw
  concurrency: 8
cleanup:
  immediate: false
  threshold: 500
  schedule: "0 3 * * 0"
  on_shutdown: true
watch:
  - dataset_id: 6600000000000000000000e5
    driver_id: 6600000000000000000000d1
    interval_ms: 5000
)");
  EnvMap env = kMinimal;
  env.erase("DLEXPORT_API_URL");
  env["DLEXPORT_CONCURRENCY"] = "16";
  auto options = load(path.string(), env_of(env));
  ASSERT_TRUE(options.has_value()) << options.error().to_string();
  EXPECT_EQ(options->platform.api_url, "https://custom.example.com/api/v1");
  EXPECT_EQ(options->export_.format, "raw");
  EXPECT_EQ(options->export_.concurrency, 16);  // environment wins over the file
  EXPECT_FALSE(options->cleanup.immediate);
  EXPECT_EQ(options->cleanup.threshold, 500);
  EXPECT_EQ(options->cleanup.schedule, "0 3 * * 0");
  EXPECT_TRUE(options->cleanup.on_shutdown);
  ASSERT_EQ(options->watch.size(), 1u);
  EXPECT_EQ(options->watch[0].interval_ms, 5000);
}

TEST(ConfigTest, ConfigPathFromEnvironment) {
  auto path = write_file("b.yaml", "export:\n  batch_size: 7\n");
  EnvMap env = kMinimal;
  env["DLEXPORT_CONFIG"] = path.string();
  auto options = load(std::nullopt, env_of(env));
  ASSERT_TRUE(options.has_value()) << options.error().to_string();
  EXPECT_EQ(options->export_.batch_size, 7);
}

TEST(ConfigTest, UnknownKeyIsAnErrorNamingIt) {
  auto options = parse_yaml("export:\n  concurency: 3\n", Options{}, "x.yaml");
  ASSERT_FALSE(options.has_value());
  EXPECT_NE(options.error().message().find("export.concurency"), std::string::npos);
  EXPECT_NE(options.error().message().find("x.yaml"), std::string::npos);
}

TEST(ConfigTest, InlineSecretInFileIsRefused) {
  auto options = parse_yaml("platform:\n  api_key: abc.def.ghi\n", Options{}, "x.yaml");
  ASSERT_FALSE(options.has_value());
  EXPECT_NE(options.error().message().find("api_key_file"), std::string::npos);
  EXPECT_EQ(options.error().message().find("abc.def.ghi"), std::string::npos);
}

TEST(ConfigTest, BadValuesNameTheSetting) {
  struct Case {
    std::string yaml;
    std::string expect;
  };
  for (const Case& c : std::vector<Case>{
           {"export:\n  concurrency: lots\n", "export.concurrency"},
           {"export:\n  concurrency: 0\n", "export.concurrency"},
           {"export:\n  format: csv\n", "export.format"},
           {"cleanup:\n  schedule: \"every sunday\"\n", "cleanup.schedule"},
           {"server:\n  listen: 0.0.0.0:8080\n", "DLEXPORT_CONTROL_TOKEN"},
           {"log:\n  level: loud\n", "log.level"},
           {"cleanup:\n  immediate: maybe\n", "cleanup.immediate"},
           {"export: [1, 2]\n", "export"},
           {"platform:\n  api_url: http://gate.example.com/api/v1\n", "plain http"},
           {": : :\n  - [\n", "not valid YAML"},
       }) {
    auto path = write_file("bad.yaml", c.yaml);
    auto options =
        load(path.string(),
             env_of({{"DLEXPORT_API_KEY", "k"}, {"DLEXPORT_API_URL", "https://g/api/v1"}}));
    if (c.yaml.find("api_url") != std::string::npos) {
      options = load(path.string(), env_of({{"DLEXPORT_API_KEY", "k"}}));
    }
    ASSERT_FALSE(options.has_value()) << c.yaml;
    EXPECT_NE(options.error().message().find(c.expect), std::string::npos)
        << c.yaml << " -> " << options.error().message();
  }
}

TEST(ConfigTest, CleanupNoneTurnsEverythingOff) {
  auto options = parse_yaml("cleanup: none\n", Options{}, "x.yaml");
  ASSERT_TRUE(options.has_value());
  EXPECT_FALSE(options->cleanup.immediate);
  EXPECT_FALSE(options->cleanup.on_shutdown);
}

TEST(ConfigTest, SecretsFromFilesAreTrimmedAndNeverPrinted) {
  auto key = write_file("key", "file.jwt.value\n");
  EnvMap env = {{"DLEXPORT_API_URL", "http://127.0.0.1:9/api/v1"},
                {"DLEXPORT_API_KEY_FILE", key.string()},
                {"DLEXPORT_CONTROL_TOKEN", "control-token-value"}};
  auto options = load(std::nullopt, env_of(env));
  ASSERT_TRUE(options.has_value()) << options.error().to_string();
  EXPECT_EQ(options->platform.api_key.reveal(), "file.jwt.value");
  EXPECT_EQ(options->platform.gate_url, "http://127.0.0.1:9");
  const std::string text = describe(*options);
  EXPECT_EQ(text.find("file.jwt.value"), std::string::npos);
  EXPECT_EQ(text.find("control-token-value"), std::string::npos);
  EXPECT_NE(text.find("api_key: (set, 14 bytes)"), std::string::npos) << text;
  EXPECT_NE(text.find("concurrency: 32"), std::string::npos) << text;
}

TEST(ConfigTest, UnreadableSecretFileNamesTheSetting) {
  EnvMap env = {{"DLEXPORT_API_URL", "https://g/api/v1"},
                {"DLEXPORT_API_KEY_FILE", "/nonexistent/dlexport-key"}};
  auto options = load(std::nullopt, env_of(env));
  ASSERT_FALSE(options.has_value());
  EXPECT_NE(options.error().message().find("platform.api_key_file"), std::string::npos);
}

TEST(ConfigTest, EveryDocumentedSettingHasAnEnvironmentVariable) {
  auto docs = setting_docs();
  ASSERT_GT(docs.size(), 20u);
  for (const auto& d : docs) {
    EXPECT_EQ(d.env.rfind("DLEXPORT_", 0), 0u) << d.key;
    EXPECT_FALSE(d.help.empty()) << d.key;
  }
}

}  // namespace
}  // namespace dlexport::config
