#include "config/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace dlexport::config {
namespace {

// One configurable value: where it lives in YAML and the environment, how to parse and print it.
struct Setting {
  std::string_view key;  // "export.concurrency"
  std::string_view env;  // "DLEXPORT_EXPORT_CONCURRENCY"
  std::string_view help;
  std::function<Status(Options&, const std::string&)> set;
  std::function<std::string(const Options&)> get;
};

Status bad_value(std::string_view key, const std::string& value, std::string_view expected) {
  return invalid_argument(fmt::format("{}: '{}' is not {}", key, value, expected));
}

template <typename Int>
Status parse_int(std::string_view key, const std::string& text, Int& out) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() ||
      value < std::numeric_limits<Int>::min() || value > std::numeric_limits<Int>::max()) {
    return bad_value(key, text, "a whole number");
  }
  out = static_cast<Int>(value);
  return {};
}

Status parse_bool(std::string_view key, const std::string& text, bool& out) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") {
    out = true;
  } else if (lower == "false" || lower == "no" || lower == "off" || lower == "0") {
    out = false;
  } else {
    return bad_value(key, text, "true or false");
  }
  return {};
}

// Row builders keep the table below one line of intent per setting.
template <typename Field>
Setting int_setting(std::string_view key, std::string_view env, std::string_view help,
                    Field field) {
  return {key, env, help,
          [key, field](Options& o, const std::string& v) { return parse_int(key, v, field(o)); },
          [field](const Options& o) { return std::to_string(field(o)); }};
}

template <typename Field>
Setting string_setting(std::string_view key, std::string_view env, std::string_view help,
                       Field field) {
  return {key, env, help,
          [field](Options& o, const std::string& v) {
            field(o) = v;
            return Status();
          },
          [field](const Options& o) { return field(o); }};
}

template <typename Field>
Setting bool_setting(std::string_view key, std::string_view env, std::string_view help,
                     Field field) {
  return {key, env, help,
          [key, field](Options& o, const std::string& v) { return parse_bool(key, v, field(o)); },
          [field](const Options& o) { return std::string(field(o) ? "true" : "false"); }};
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      string_setting(
          "platform.api_url", "DLEXPORT_API_URL",
          "Dataloop API base URL, ending in /api/v1 (required)",
          [](auto& o) -> auto& { return o.platform.api_url; }),
      string_setting(
          "platform.gate_url", "DLEXPORT_GATE_URL",
          "base of the token endpoint; default: api_url without /api/v1",
          [](auto& o) -> auto& { return o.platform.gate_url; }),
      string_setting(
          "platform.api_key_file", "DLEXPORT_API_KEY_FILE",
          "file holding the API key (DLEXPORT_API_KEY wins when set)",
          [](auto& o) -> auto& { return o.platform.api_key_file; }),
      int_setting(
          "platform.connect_timeout_ms", "DLEXPORT_CONNECT_TIMEOUT_MS",
          "TCP+TLS connect timeout per request",
          [](auto& o) -> auto& { return o.platform.connect_timeout_ms; }),
      int_setting(
          "platform.request_timeout_ms", "DLEXPORT_REQUEST_TIMEOUT_MS", "whole-request timeout",
          [](auto& o) -> auto& { return o.platform.request_timeout_ms; }),
      string_setting(
          "export.format", "DLEXPORT_FORMAT",
          "dataloop (byte-identical to the platform SDK) or raw (lossless)",
          [](auto& o) -> auto& { return o.export_.format; }),
      bool_setting(
          "export.pretty", "DLEXPORT_PRETTY", "indent the raw format",
          [](auto& o) -> auto& { return o.export_.pretty; }),
      string_setting(
          "export.path_template", "DLEXPORT_PATH_TEMPLATE",
          "object path; placeholders {dir} {name} {stem} {ext} {id} {dataset_id}",
          [](auto& o) -> auto& { return o.export_.path_template; }),
      int_setting(
          "export.concurrency", "DLEXPORT_CONCURRENCY", "requests in flight against the platform",
          [](auto& o) -> auto& { return o.export_.concurrency; }),
      int_setting(
          "export.batch_size", "DLEXPORT_BATCH_SIZE",
          "items per batch (one annotation query per batch)",
          [](auto& o) -> auto& { return o.export_.batch_size; }),
      int_setting(
          "export.annotation_chunk", "DLEXPORT_ANNOTATION_CHUNK",
          "item ids per `itemId $in` annotation query",
          [](auto& o) -> auto& { return o.export_.annotation_chunk; }),
      int_setting(
          "retry.max_attempts", "DLEXPORT_RETRY_MAX_ATTEMPTS",
          "attempts per platform call before a job fails",
          [](auto& o) -> auto& { return o.retry.max_attempts; }),
      int_setting(
          "retry.base_delay_ms", "DLEXPORT_RETRY_BASE_DELAY_MS", "first backoff cap (full jitter)",
          [](auto& o) -> auto& { return o.retry.base_delay_ms; }),
      int_setting(
          "retry.max_delay_ms", "DLEXPORT_RETRY_MAX_DELAY_MS", "largest single backoff",
          [](auto& o) -> auto& { return o.retry.max_delay_ms; }),
      int_setting(
          "retry.max_total_ms", "DLEXPORT_RETRY_MAX_TOTAL_MS",
          "give up retrying one call after this long",
          [](auto& o) -> auto& { return o.retry.max_total_ms; }),
      bool_setting(
          "cleanup.immediate", "DLEXPORT_CLEANUP_IMMEDIATE",
          "delete staged items right after each batch",
          [](auto& o) -> auto& { return o.cleanup.immediate; }),
      {"cleanup.threshold", "DLEXPORT_CLEANUP_THRESHOLD",
       "when the staging dataset holds more items than this, delete them all (empty: off)",
       [](Options& o, const std::string& v) -> Status {
         if (v.empty()) {
           o.cleanup.threshold.reset();
           return {};
         }
         std::int64_t n = 0;
         DLX_RETURN_IF_ERROR(parse_int("cleanup.threshold", v, n));
         o.cleanup.threshold = n;
         return {};
       },
       [](const Options& o) {
         return o.cleanup.threshold ? std::to_string(*o.cleanup.threshold) : std::string();
       }},
      {"cleanup.schedule", "DLEXPORT_CLEANUP_SCHEDULE",
       "5-field cron (UTC) for a full cleanup, e.g. '0 3 * * 0' (empty: off)",
       [](Options& o, const std::string& v) -> Status {
         if (v.empty()) {
           o.cleanup.schedule.reset();
         } else {
           o.cleanup.schedule = v;
         }
         return {};
       },
       [](const Options& o) { return o.cleanup.schedule.value_or(""); }},
      bool_setting(
          "cleanup.on_shutdown", "DLEXPORT_CLEANUP_ON_SHUTDOWN",
          "on SIGTERM/SIGINT: drain, then delete staged items",
          [](auto& o) -> auto& { return o.cleanup.on_shutdown; }),
      string_setting(
          "server.listen", "DLEXPORT_LISTEN", "host:port of the HTTP API",
          [](auto& o) -> auto& { return o.server.listen; }),
      string_setting(
          "server.control_token_file", "DLEXPORT_CONTROL_TOKEN_FILE",
          "file holding the /v1 bearer token (DLEXPORT_CONTROL_TOKEN wins)",
          [](auto& o) -> auto& { return o.server.control_token_file; }),
      string_setting(
          "server.webhook_secret_file", "DLEXPORT_WEBHOOK_SECRET_FILE",
          "file holding the webhook shared secret (DLEXPORT_WEBHOOK_SECRET wins)",
          [](auto& o) -> auto& { return o.server.webhook_secret_file; }),
      int_setting(
          "server.max_body_bytes", "DLEXPORT_MAX_BODY_BYTES", "largest accepted request body",
          [](auto& o) -> auto& { return o.server.max_body_bytes; }),
      int_setting(
          "server.drain_timeout_ms", "DLEXPORT_DRAIN_TIMEOUT_MS",
          "graceful-shutdown deadline for in-flight jobs",
          [](auto& o) -> auto& { return o.server.drain_timeout_ms; }),
      string_setting(
          "queue.state_dir", "DLEXPORT_STATE_DIR", "where the queue database lives",
          [](auto& o) -> auto& { return o.queue.state_dir; }),
      int_setting(
          "queue.lease_ms", "DLEXPORT_LEASE_MS",
          "a claimed job returns to the queue if not finished in this time",
          [](auto& o) -> auto& { return o.queue.lease_ms; }),
      int_setting(
          "queue.max_attempts", "DLEXPORT_QUEUE_MAX_ATTEMPTS",
          "job attempts before the dead-letter table",
          [](auto& o) -> auto& { return o.queue.max_attempts; }),
      string_setting(
          "log.level", "DLEXPORT_LOG_LEVEL", "trace|debug|info|warn|error",
          [](auto& o) -> auto& { return o.log.level; }),
      string_setting(
          "log.format", "DLEXPORT_LOG_FORMAT", "text|json",
          [](auto& o) -> auto& { return o.log.format; }),
  };
  return table;
}

const Setting* find_setting(std::string_view key) {
  for (const Setting& s : settings()) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

// YAML keys that look like secrets get a pointed message instead of "unknown key".
bool is_inline_secret(std::string_view key) {
  return key == "platform.api_key" || key == "server.control_token" ||
         key == "server.webhook_secret";
}

Status apply_watch(const YAML::Node& node, std::string_view origin, Options& out) {
  if (!node.IsSequence()) {
    return invalid_argument(
        fmt::format("{}: watch must be a list of {{dataset_id, driver_id, "
                    "filter, interval_ms}}",
                    origin));
  }
  out.watch.clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node entry = node[i];
    std::string where = fmt::format("{}: watch[{}]", origin, i);
    if (!entry.IsMap()) return invalid_argument(where + " must be a mapping");
    WatchOptions w;
    for (const auto& kv : entry) {
      const auto key = kv.first.as<std::string>();
      if (key == "dataset_id") {
        w.dataset_id = kv.second.as<std::string>();
      } else if (key == "driver_id") {
        w.driver_id = kv.second.as<std::string>();
      } else if (key == "filter") {
        w.filter = kv.second.IsScalar() ? kv.second.as<std::string>() : YAML::Dump(kv.second);
      } else if (key == "interval_ms") {
        DLX_RETURN_IF_ERROR(
            parse_int(where + ".interval_ms", kv.second.as<std::string>(), w.interval_ms));
      } else {
        return invalid_argument(
            fmt::format("{}: unknown key '{}' (expected dataset_id, "
                        "driver_id, filter, interval_ms)",
                        where, key));
      }
    }
    out.watch.push_back(std::move(w));
  }
  return {};
}

Status apply_yaml(const YAML::Node& node, const std::string& prefix, std::string_view origin,
                  Options& out) {
  for (const auto& kv : node) {
    const std::string name = kv.first.as<std::string>();
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    const YAML::Node& value = kv.second;
    if (key == "watch") {
      DLX_RETURN_IF_ERROR(apply_watch(value, origin, out));
      continue;
    }
    if (key == "cleanup" && value.IsScalar() && value.as<std::string>() == "none") {
      out.cleanup = CleanupOptions{};
      out.cleanup.immediate = false;
      continue;
    }
    if (is_inline_secret(key)) {
      return invalid_argument(fmt::format(
          "{}: '{}' must not be written in the config file; set it in the environment or point "
          "'{}_file' at a file that holds it",
          origin, key, key));
    }
    if (value.IsMap()) {
      DLX_RETURN_IF_ERROR(apply_yaml(value, key, origin, out));
      continue;
    }
    const Setting* setting = find_setting(key);
    if (setting == nullptr) {
      return invalid_argument(
          fmt::format("{}: unknown setting '{}' (see `dlexport config "
                      "check --help` for the list)",
                      origin, key));
    }
    if (!value.IsScalar() && !value.IsNull()) {
      return invalid_argument(fmt::format("{}: '{}' must be a single value", origin, key));
    }
    DLX_RETURN_IF_ERROR(setting->set(out, value.IsNull() ? std::string() : value.as<std::string>())
                            .annotate(origin));
  }
  return {};
}

Result<std::string> read_secret_file(std::string_view setting, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return invalid_argument(
        fmt::format("{}: cannot read '{}': {}", setting, path, std::strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string value = buffer.str();
  // Files written by editors and secret managers often end in a newline; it is never part of it.
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.pop_back();
  }
  if (value.empty()) return invalid_argument(fmt::format("{}: '{}' is empty", setting, path));
  return value;
}

// Secret from env var `env`, else from the file named by `file` (setting name `file_key`).
Status load_secret(const Environment& env, std::string_view env_name, const std::string& file,
                   std::string_view file_key, Secret& out) {
  if (auto v = env(env_name); v && !v->empty()) {
    out = Secret(*v);
    return {};
  }
  if (!file.empty()) {
    DLX_ASSIGN_OR_RETURN(std::string value, read_secret_file(file_key, file));
    out = Secret(std::move(value));
  }
  return {};
}

bool is_loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]" ||
         host.rfind("127.", 0) == 0;
}

// "http://host:port/path" -> host; "" when not a URL.
std::string url_host(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') return std::string(rest.substr(0, rest.find(']') + 1));
  return std::string(rest.substr(0, rest.find(':')));
}

}  // namespace

std::string Secret::masked() const {
  return value_.empty() ? "(not set)" : fmt::format("(set, {} bytes)", value_.size());
}

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<Options> parse_yaml(std::string_view text, Options base, std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return invalid_argument(fmt::format("{}: not valid YAML: {}", origin, e.what()));
  }
  if (root.IsNull()) return base;  // an empty file is a valid (default) config
  if (!root.IsMap())
    return invalid_argument(fmt::format("{}: top level must be a mapping", origin));
  try {
    DLX_RETURN_IF_ERROR(apply_yaml(root, "", origin, base));
  } catch (const YAML::Exception& e) {
    return invalid_argument(fmt::format("{}: {}", origin, e.what()));
  }
  return base;
}

Result<Options> load(const std::optional<std::string>& path, const Environment& env) {
  Options options;
  std::optional<std::string> file = path;
  if (!file) file = env("DLEXPORT_CONFIG");
  if (file && !file->empty()) {
    std::ifstream in(*file, std::ios::binary);
    if (!in) {
      return invalid_argument(
          fmt::format("config file '{}': cannot open: {}", *file, std::strerror(errno)));
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    DLX_ASSIGN_OR_RETURN(options, parse_yaml(buffer.str(), std::move(options), *file));
    options.source = *file + " + environment";
  } else {
    options.source = "defaults + environment";
  }

  for (const Setting& s : settings()) {
    if (auto v = env(s.env)) {
      DLX_RETURN_IF_ERROR(s.set(options, *v).annotate(fmt::format("environment {}", s.env)));
    }
  }
  if (auto v = env("DLEXPORT_CLEANUP"); v && *v == "none") {
    options.cleanup = CleanupOptions{};
    options.cleanup.immediate = false;
  }

  DLX_RETURN_IF_ERROR(load_secret(env, "DLEXPORT_API_KEY", options.platform.api_key_file,
                                  "platform.api_key_file", options.platform.api_key));
  DLX_RETURN_IF_ERROR(load_secret(env, "DLEXPORT_CONTROL_TOKEN", options.server.control_token_file,
                                  "server.control_token_file", options.server.control_token));
  DLX_RETURN_IF_ERROR(load_secret(env, "DLEXPORT_WEBHOOK_SECRET",
                                  options.server.webhook_secret_file, "server.webhook_secret_file",
                                  options.server.webhook_secret));

  if (options.platform.gate_url.empty() && !options.platform.api_url.empty()) {
    std::string gate = options.platform.api_url;
    while (!gate.empty() && gate.back() == '/') gate.pop_back();
    constexpr std::string_view kApiSuffix = "/api/v1";
    if (gate.size() >= kApiSuffix.size() &&
        gate.compare(gate.size() - kApiSuffix.size(), kApiSuffix.size(), kApiSuffix) == 0) {
      gate.resize(gate.size() - kApiSuffix.size());
    }
    options.platform.gate_url = gate;
  }

  DLX_RETURN_IF_ERROR(validate(options));
  return options;
}

Status validate(const Options& o) {
  const auto& p = o.platform;
  if (p.api_url.empty()) {
    return invalid_argument(
        "platform.api_url is not set: export DLEXPORT_API_URL=https://gate.dataloop.ai/api/v1 "
        "(or your environment's base URL)");
  }
  for (const auto& [key, url] :
       {std::pair{"platform.api_url", p.api_url}, std::pair{"platform.gate_url", p.gate_url}}) {
    const bool https = url.rfind("https://", 0) == 0;
    const bool http = url.rfind("http://", 0) == 0;
    if (!https && !http) {
      return invalid_argument(fmt::format("{}: '{}' must start with https://", key, url));
    }
    // The API key is a bearer token: sending it in clear text is only acceptable on loopback.
    if (http && !is_loopback_host(url_host(url))) {
      return invalid_argument(fmt::format(
          "{}: '{}' uses plain http to a remote host, which would expose the API key; use "
          "https://",
          key, url));
    }
  }
  auto in_range = [](std::string_view key, std::int64_t v, std::int64_t lo,
                     std::int64_t hi) -> Status {
    if (v < lo || v > hi) {
      return invalid_argument(fmt::format("{}: {} is out of range [{}, {}]", key, v, lo, hi));
    }
    return {};
  };
  DLX_RETURN_IF_ERROR(in_range("platform.connect_timeout_ms", p.connect_timeout_ms, 1, 600'000));
  DLX_RETURN_IF_ERROR(in_range("platform.request_timeout_ms", p.request_timeout_ms, 1, 3'600'000));
  const auto& e = o.export_;
  if (e.format != "dataloop" && e.format != "raw") {
    return invalid_argument(
        fmt::format("export.format: '{}' is not a known format (dataloop or raw)", e.format));
  }
  if (e.path_template.empty()) return invalid_argument("export.path_template: must not be empty");
  DLX_RETURN_IF_ERROR(in_range("export.concurrency", e.concurrency, 1, 1024));
  DLX_RETURN_IF_ERROR(in_range("export.batch_size", e.batch_size, 1, 1000));
  DLX_RETURN_IF_ERROR(in_range("export.annotation_chunk", e.annotation_chunk, 1, 1000));
  const auto& r = o.retry;
  DLX_RETURN_IF_ERROR(in_range("retry.max_attempts", r.max_attempts, 1, 100));
  DLX_RETURN_IF_ERROR(in_range("retry.base_delay_ms", r.base_delay_ms, 1, 600'000));
  DLX_RETURN_IF_ERROR(in_range("retry.max_delay_ms", r.max_delay_ms, r.base_delay_ms, 3'600'000));
  DLX_RETURN_IF_ERROR(in_range("retry.max_total_ms", r.max_total_ms, 1, 86'400'000));
  if (o.cleanup.threshold) {
    DLX_RETURN_IF_ERROR(in_range("cleanup.threshold", *o.cleanup.threshold, 1,
                                 std::numeric_limits<std::int64_t>::max()));
  }
  if (o.cleanup.schedule) {
    std::istringstream fields(*o.cleanup.schedule);
    int count = 0;
    for (std::string f; fields >> f;) ++count;
    if (count != 5) {
      return invalid_argument(fmt::format(
          "cleanup.schedule: '{}' must have 5 cron fields (minute hour day-of-month month "
          "day-of-week), e.g. '0 3 * * 0'",
          *o.cleanup.schedule));
    }
  }
  const auto& s = o.server;
  auto colon = s.listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return invalid_argument(
        fmt::format("server.listen: '{}' must be host:port, e.g. 127.0.0.1:8080", s.listen));
  }
  int port = 0;
  DLX_RETURN_IF_ERROR(parse_int("server.listen port", s.listen.substr(colon + 1), port));
  DLX_RETURN_IF_ERROR(in_range("server.listen port", port, 0, 65535));
  if (!is_loopback_host(s.listen.substr(0, colon)) && s.control_token.empty()) {
    return invalid_argument(fmt::format(
        "server.listen: '{}' is not a loopback address, so the control API needs a token: set "
        "DLEXPORT_CONTROL_TOKEN or server.control_token_file",
        s.listen));
  }
  DLX_RETURN_IF_ERROR(in_range("server.max_body_bytes", s.max_body_bytes, 1024, 1LL << 30));
  DLX_RETURN_IF_ERROR(in_range("server.drain_timeout_ms", s.drain_timeout_ms, 0, 3'600'000));
  if (o.queue.state_dir.empty()) return invalid_argument("queue.state_dir: must not be empty");
  DLX_RETURN_IF_ERROR(in_range("queue.lease_ms", o.queue.lease_ms, 100, 86'400'000));
  DLX_RETURN_IF_ERROR(in_range("queue.max_attempts", o.queue.max_attempts, 1, 1000));
  for (std::size_t i = 0; i < o.watch.size(); ++i) {
    const auto& w = o.watch[i];
    if (w.dataset_id.empty() || w.driver_id.empty()) {
      return invalid_argument(fmt::format("watch[{}]: dataset_id and driver_id are required", i));
    }
    DLX_RETURN_IF_ERROR(
        in_range(fmt::format("watch[{}].interval_ms", i), w.interval_ms, 100, 86'400'000));
  }
  const auto& l = o.log;
  static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error"};
  if (std::find(std::begin(kLevels), std::end(kLevels), l.level) == std::end(kLevels)) {
    return invalid_argument(
        fmt::format("log.level: '{}' is not one of trace, debug, info, warn, error", l.level));
  }
  if (l.format != "text" && l.format != "json") {
    return invalid_argument(fmt::format("log.format: '{}' is not text or json", l.format));
  }
  return {};
}

std::string describe(const Options& o) {
  std::string out = fmt::format("# effective configuration ({})\n", o.source);
  std::string section;
  for (const Setting& s : settings()) {
    const std::string_view key = s.key;
    const auto dot = key.find('.');
    const std::string_view head = key.substr(0, dot);
    if (head != section) {
      section = std::string(head);
      out += section + ":\n";
      if (section == "platform") {
        out += fmt::format("  api_key: {}  # DLEXPORT_API_KEY or api_key_file\n",
                           o.platform.api_key.masked());
      } else if (section == "server") {
        out += fmt::format("  control_token: {}\n", o.server.control_token.masked());
        out += fmt::format("  webhook_secret: {}\n", o.server.webhook_secret.masked());
      }
    }
    const std::string value = s.get(o);
    out += fmt::format("  {}: {}\n", key.substr(dot + 1), value.empty() ? "\"\"" : value);
  }
  out += o.watch.empty() ? "watch: []\n" : "watch:\n";
  for (const auto& w : o.watch) {
    out += fmt::format(
        "  - dataset_id: {}\n    driver_id: {}\n    filter: '{}'\n    interval_ms: {}\n",
        w.dataset_id, w.driver_id, w.filter, w.interval_ms);
  }
  return out;
}

std::vector<SettingDoc> setting_docs() {
  const Options defaults;
  std::vector<SettingDoc> docs;
  for (const Setting& s : settings()) {
    docs.push_back({std::string(s.key), std::string(s.env), s.get(defaults), std::string(s.help)});
  }
  docs.push_back({"(secret)", "DLEXPORT_API_KEY", "", "the Dataloop API key (a JWT)"});
  docs.push_back({"(secret)", "DLEXPORT_CONTROL_TOKEN", "", "bearer token of the /v1 API"});
  docs.push_back({"(secret)", "DLEXPORT_WEBHOOK_SECRET", "", "webhook receiver shared secret"});
  docs.push_back({"(file)", "DLEXPORT_CONFIG", "", "path of the YAML config file"});
  return docs;
}

}  // namespace dlexport::config
