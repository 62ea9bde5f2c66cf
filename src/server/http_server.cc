#include "server/http_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <ctime>
#include <thread>

#include "common/redact.h"
#include "server/requests.h"

namespace dlexport::server {
namespace {

using httplib::Request;
using httplib::Response;

constexpr int kDefaultDeadLetterLimit = 100;
constexpr int kMaxDeadLetterLimit = 10'000;
constexpr std::size_t kLoggedSampleBytes = 512;

std::string lower_code(StatusCode code) {
  std::string out(status_code_name(code));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string iso_time(Clock::TimePoint t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms.count() % 1000);
}

void send_json(Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(Response& res, int status, std::string_view code, std::string_view message) {
  send_json(res, status, Json{{"error", {{"code", code}, {"message", message}}}});
}

// The HTTP answer for an error from our own side (queue) or the platform (item source).
void send_status(Response& res, const Status& status, bool upstream) {
  int http = 500;
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      http = 400;
      break;
    case StatusCode::kNotFound:
      http = 404;
      break;
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
      http = upstream ? 502 : 503;
      break;
    default:
      http = upstream ? 502 : 500;
  }
  send_error(res, http, lower_code(status.code()), status.message());
}

Json job_status_json(const queue::JobStatus& s) {
  Json out = {{"job_id", s.id},           {"state", queue::job_state_name(s.state)},
              {"target", s.target.key()}, {"item_id", s.item_id},
              {"attempts", s.attempts},   {"enqueued_at", iso_time(s.enqueued_at)}};
  if (!s.last_error.empty()) out["last_error"] = s.last_error;
  if (s.finished_at) out["finished_at"] = iso_time(*s.finished_at);
  return out;
}

class HttplibServer final : public HttpServer {
 public:
  HttplibServer(config::ServerOptions options, ServerDeps deps)
      : options_(std::move(options)),
        deps_(std::move(deps)),
        latency_(deps_.metrics->histogram("dlexport_http_request_duration_seconds",
                                          "Time to answer an HTTP request, by route and status.",
                                          {"endpoint", "code"}, metrics::latency_buckets())),
        webhook_events_(deps_.metrics->counter(
            "dlexport_webhook_requests_total",
            "Webhook requests by result (accepted, unauthorized, rejected).", {"result"})),
        enqueued_(deps_.metrics->counter("dlexport_enqueued_items_total",
                                         "Items enqueued, by source (api, dataset, webhook).",
                                         {"source"})) {}

  ~HttplibServer() override { stop(); }

  Result<int> bind(const ListenAddress& address) {
    server_.set_payload_max_length(static_cast<std::size_t>(options_.max_body_bytes));
    server_.set_error_handler(
        httplib::Server::HandlerWithResponse([](const Request&, Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          switch (res.status) {
            case 404:
              send_error(res, 404, "not_found", "no such route");
              break;
            case 413:
              send_error(res, 413, "payload_too_large", "the request body is too large");
              break;
            default:
              send_error(res, res.status, "error", "the request could not be handled");
          }
          return httplib::Server::HandlerResponse::Handled;
        }));
    install_routes();
    if (address.port == 0) {
      port_ = server_.bind_to_any_port(address.host);
      if (port_ <= 0) return unavailable(fmt::format("cannot bind {}:0", address.host));
    } else if (server_.bind_to_port(address.host, address.port)) {
      port_ = address.port;
    } else {
      return unavailable(fmt::format("cannot bind {}:{} (in use, or not a local address?)",
                                     address.host, address.port));
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return port_;
  }

  int port() const override { return port_; }
  void stop_intake() override { intake_open_ = false; }

  void stop() override {
    if (!thread_.joinable()) return;
    // stop() before the accept loop is up would be lost and the join would hang.
    while (!server_.is_running()) std::this_thread::yield();
    server_.stop();
    thread_.join();
  }

 private:
  using Handler = std::function<void(const Request&, Response&)>;

  // Registers a route whose latency is recorded under `endpoint` (the pattern, not the path).
  void route(const char* method, const std::string& pattern, const std::string& endpoint,
             Handler handler) {
    auto timed = [this, endpoint, handler = std::move(handler)](const Request& req, Response& res) {
      const auto started = std::chrono::steady_clock::now();
      if (req.body.size() > static_cast<std::size_t>(options_.max_body_bytes)) {
        send_error(res, 413, "payload_too_large", "the request body is too large");
      } else {
        try {
          handler(req, res);
        } catch (const std::exception& e) {
          // A bug: answer 500 and keep serving.
          spdlog::error("http {}: unexpected exception: {}", endpoint, e.what());
          send_error(res, 500, "internal", "internal error");
        }
      }
      latency_.with({endpoint, std::to_string(res.status)})
          .observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    };
    if (std::string_view(method) == "GET") {
      server_.Get(pattern, timed);
    } else {
      server_.Post(pattern, timed);
    }
  }

  // The control API's bearer check; answers 401/403 itself and returns false on failure.
  bool authorized(const Request& req, Response& res) {
    if (options_.control_token.empty()) {
      send_error(res, 403, "permission_denied",
                 "the control API is disabled: no control token is configured");
      return false;
    }
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    const bool ok = header.size() > kBearer.size() &&
                    header.compare(0, kBearer.size(), kBearer) == 0 &&
                    constant_time_equals(std::string_view(header).substr(kBearer.size()),
                                         options_.control_token.reveal());
    if (!ok) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401, "unauthenticated", "a valid bearer token is required");
    }
    return ok;
  }

  bool intake_open(Response& res) {
    if (intake_open_) return true;
    send_error(res, 503, "unavailable", "shutting down: not accepting new exports");
    return false;
  }

  // Enqueues and answers 202 with the job ids.
  void enqueue_and_answer(Response& res, const queue::Target& target,
                          const std::vector<std::string>& item_ids, const char* source) {
    auto ids = deps_.queue->enqueue(target, item_ids);
    if (!ids) {
      send_status(res, ids.status(), false);
      return;
    }
    enqueued_.with({source}).inc(static_cast<double>(item_ids.size()));
    if (deps_.on_enqueued && !item_ids.empty()) deps_.on_enqueued();
    send_json(res, 202,
              Json{{"target", target.key()}, {"items", item_ids.size()}, {"job_ids", *ids}});
  }

  void install_routes() {
    server_.Get("/healthz", [](const Request&, Response& res) {
      send_json(res, 200, Json{{"status", "ok"}});
    });
    route("GET", "/readyz", "/readyz", [this](const Request&, Response& res) {
      const Status ready = deps_.ready ? deps_.ready() : Status();
      if (ready.is_ok()) {
        send_json(res, 200, Json{{"status", "ready"}});
      } else {
        send_json(res, 503, Json{{"status", "not_ready"}, {"reason", ready.message()}});
      }
    });
    server_.Get("/metrics", [this](const Request&, Response& res) {
      res.set_content(deps_.metrics->expose(), std::string(metrics::kContentType));
    });

    route("POST", "/v1/exports", "/v1/exports", [this](const Request& req, Response& res) {
      if (!authorized(req, res) || !intake_open(res)) return;
      auto request = parse_export_request(req.body);
      if (!request) {
        send_status(res, request.status(), false);
        return;
      }
      const queue::Target target = queue::Target::driver(request->driver_id);
      if (!request->item_ids.empty()) {
        enqueue_and_answer(res, target, request->item_ids, "api");
        return;
      }
      export_dataset(res, target, *request);
    });

    route("GET", R"(/v1/exports/([^/]+))", "/v1/exports/{job_id}",
          [this](const Request& req, Response& res) {
            if (!authorized(req, res)) return;
            const std::string text = req.matches[1];
            queue::JobId id = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
            if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
              send_error(res, 400, "invalid_argument", "the job id must be a positive integer");
              return;
            }
            auto status = deps_.queue->job_status(id);
            if (!status) {
              send_status(res, status.status(), false);
              return;
            }
            send_json(res, 200, job_status_json(*status));
          });

    route("GET", "/v1/status", "/v1/status", [this](const Request& req, Response& res) {
      if (!authorized(req, res)) return;
      auto stats = deps_.queue->stats();
      if (!stats) {
        send_status(res, stats.status(), false);
        return;
      }
      Json targets = Json::object();
      for (const auto& [key, t] : stats->per_target) {
        targets[key] = {
            {"pending", t.pending}, {"in_flight", t.in_flight}, {"dead_letters", t.dead}};
      }
      send_json(
          res, 200,
          Json{{"queue",
                {{"depth", stats->pending},
                 {"in_flight", stats->in_flight},
                 {"dead_letters", stats->dead},
                 {"done_recently", stats->done},
                 {"oldest_age_seconds", std::chrono::duration<double>(stats->oldest_age).count()}}},
               {"intake", intake_open_ ? "open" : "closed"},
               {"targets", targets}});
    });

    route("GET", "/v1/dead-letters", "/v1/dead-letters", [this](const Request& req, Response& res) {
      if (!authorized(req, res)) return;
      int limit = kDefaultDeadLetterLimit;
      if (req.has_param("limit")) {
        const std::string text = req.get_param_value("limit");
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
        if (ec != std::errc() || end != text.data() + text.size() || limit < 1 ||
            limit > kMaxDeadLetterLimit) {
          send_error(res, 400, "invalid_argument",
                     fmt::format("limit must be 1..{}", kMaxDeadLetterLimit));
          return;
        }
      }
      auto dead = deps_.queue->dead_letters(limit);
      if (!dead) {
        send_status(res, dead.status(), false);
        return;
      }
      Json list = Json::array();
      for (const auto& d : *dead) {
        list.push_back({{"job_id", d.id},
                        {"target", d.target.key()},
                        {"item_id", d.item_id},
                        {"attempts", d.attempts},
                        {"enqueued_at", iso_time(d.enqueued_at)},
                        {"failed_at", iso_time(d.failed_at)},
                        {"last_error", d.last_error}});
      }
      send_json(res, 200, Json{{"dead_letters", list}});
    });

    route("POST", "/v1/dead-letters/redrive", "/v1/dead-letters/redrive",
          [this](const Request& req, Response& res) {
            if (!authorized(req, res)) return;
            auto request = parse_redrive_request(req.body);
            if (!request) {
              send_status(res, request.status(), false);
              return;
            }
            auto redriven =
                request->all ? deps_.queue->redrive_all() : deps_.queue->redrive(request->job_ids);
            if (!redriven) {
              send_status(res, redriven.status(), false);
              return;
            }
            if (deps_.on_enqueued && !redriven->empty()) deps_.on_enqueued();
            send_json(res, 200, Json{{"redriven", *redriven}});
          });

    route("POST", R"(/v1/hooks/dataloop/([^/]+))", "/v1/hooks/dataloop/{driver_id}",
          [this](const Request& req, Response& res) { webhook(req, res); });
  }

  void export_dataset(Response& res, const queue::Target& target, const ExportRequest& request) {
    if (deps_.items == nullptr) {
      send_error(res, 501, "unimplemented", "dataset exports need platform access");
      return;
    }
    Json conditions = Json::array();
    if (!request.query.empty()) conditions.push_back(request.query);
    std::vector<queue::JobId> job_ids;
    std::size_t items = 0;
    const Status scanned = deps_.items->scan(
        request.dataset_id, conditions, [&](const std::vector<worker::ItemRef>& page) -> Status {
          std::vector<std::string> ids;
          ids.reserve(page.size());
          for (const auto& ref : page) ids.push_back(ref.id);
          DLX_ASSIGN_OR_RETURN(auto enqueued, deps_.queue->enqueue(target, ids));
          job_ids.insert(job_ids.end(), enqueued.begin(), enqueued.end());
          items += ids.size();
          enqueued_.with({"dataset"}).inc(static_cast<double>(ids.size()));
          if (deps_.on_enqueued && !ids.empty()) deps_.on_enqueued();
          return {};
        });
    if (!scanned.is_ok()) {
      send_status(res, scanned.annotate(fmt::format("dataset {}", request.dataset_id)), true);
      return;
    }
    send_json(res, 202,
              Json{{"target", target.key()},
                   {"dataset_id", request.dataset_id},
                   {"items", items},
                   {"job_ids", job_ids}});
  }

  void webhook(const Request& req, Response& res) {
    if (options_.webhook_secret.empty()) {
      webhook_events_.with({"unauthorized"}).inc();
      send_error(res, 403, "permission_denied",
                 "the webhook receiver is disabled: no webhook secret is configured");
      return;
    }
    const std::string secret = req.has_header("X-Dlexport-Secret")
                                   ? req.get_header_value("X-Dlexport-Secret")
                                   : req.get_param_value("secret");
    if (!constant_time_equals(secret, options_.webhook_secret.reveal())) {
      webhook_events_.with({"unauthorized"}).inc();
      send_error(res, 401, "unauthenticated", "a valid webhook secret is required");
      return;
    }
    if (!intake_open(res)) return;
    const std::string driver_id = req.matches[1];
    if (!is_object_id(driver_id)) {
      webhook_events_.with({"rejected"}).inc();
      send_error(res, 400, "invalid_argument", "the driver id must be a 24-hex-digit id");
      return;
    }
    auto ids = extract_webhook_item_ids(req.body);
    if (!ids) {
      webhook_events_.with({"rejected"}).inc();
      // A sample helps write a receiver against the platform's real payloads (WIRE.md §8.2).
      spdlog::warn("webhook for driver {}: {}; sample: {}", driver_id, ids.status().message(),
                   truncate_utf8(redact(req.body, {options_.webhook_secret.reveal(),
                                                   options_.control_token.reveal()}),
                                 kLoggedSampleBytes));
      send_status(res, ids.status(), false);
      return;
    }
    webhook_events_.with({"accepted"}).inc();
    enqueue_and_answer(res, queue::Target::driver(driver_id), *ids, "webhook");
  }

  const config::ServerOptions options_;
  ServerDeps deps_;
  metrics::HistogramFamily& latency_;
  metrics::CounterFamily& webhook_events_;
  metrics::CounterFamily& enqueued_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> intake_open_{true};
};

}  // namespace

Result<HttpServerPtr> start_http_server(const config::ServerOptions& options, ServerDeps deps) {
  if (deps.queue == nullptr || deps.metrics == nullptr) {
    return invalid_argument("http server: queue and metrics are required");
  }
  if (deps.clock == nullptr) deps.clock = &system_clock();
  if (options.max_body_bytes <= 0) return invalid_argument("server.max_body_bytes must be > 0");
  DLX_ASSIGN_OR_RETURN(ListenAddress address, parse_listen_address(options.listen));
  auto server = std::make_unique<HttplibServer>(options, std::move(deps));
  DLX_ASSIGN_OR_RETURN(int port, server->bind(address));
  spdlog::info("http: listening on {}:{}", address.host, port);
  return HttpServerPtr(std::move(server));
}

}  // namespace dlexport::server
