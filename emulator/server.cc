#include "emulator/server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "emulator/driver_storage.h"
#include "emulator/routes.h"

namespace dlexport::emulator {
namespace internal {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

void Router::add(std::string method, std::string path_template, Auth auth, Handler handler) {
  Route route;
  route.name = route_name(method, path_template);
  route.segments = split_path(path_template);
  route.method = std::move(method);
  route.path_template = std::move(path_template);
  route.auth = auth;
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

const Route* Router::match(const std::string& method, const std::string& path,
                           std::vector<std::string>* params) const {
  const std::vector<std::string> segments = split_path(path);
  for (const Route& route : routes_) {
    if (route.method != method || route.segments.size() != segments.size()) continue;
    std::vector<std::string> found;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      if (route.segments[i] == "{id}") {
        found.push_back(segments[i]);
      } else {
        ok = route.segments[i] == segments[i];
      }
    }
    if (ok) {
      *params = std::move(found);
      return &route;
    }
  }
  return nullptr;
}

std::string route_name(std::string_view method, std::string_view path_template) {
  if (path_template.substr(0, kApiPrefix.size()) == kApiPrefix) {
    path_template.remove_prefix(kApiPrefix.size());
  }
  return std::string(method) + " " + std::string(path_template);
}

void reply_json(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), kJsonContentType);
}

void reply_error(httplib::Response& res, int status, std::string_view message) {
  reply_json(res, status, Json{{"status", status}, {"message", std::string(message)}});
}

int http_status_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

void reply_status(httplib::Response& res, const Status& status) {
  reply_error(res, http_status_for(status), status.message());
}

void reply_result(httplib::Response& res, const Result<Json>& result) {
  if (result.has_value()) {
    reply_json(res, 200, *result);
  } else {
    reply_status(res, result.error());
  }
}

std::optional<Json> json_body(Call& call, bool object_required) {
  Json body;
  try {
    body = Json::parse(call.req.body);
  } catch (const Json::exception&) {
    reply_error(call.res, 400, "request body is not valid JSON");
    return std::nullopt;
  }
  if (object_required && !body.is_object()) {
    reply_error(call.res, 400, "request body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

const Json& field(const Json& obj, const char* key) {
  static const Json null_value;
  if (!obj.is_object()) return null_value;
  auto it = obj.find(key);
  return it == obj.end() ? null_value : *it;
}

}  // namespace internal

using internal::Call;
using internal::reply_error;

namespace {

int local_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return -1;
}

int peer_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return -1;
}

// cpp-httplib gives handlers no socket, so a "reset" fault finds the accepted connection by its
// (local port, peer port) pair among this process's descriptors — unique per TCP connection on
// one host — and aborts it: SO_LINGER {1, 0} makes the final close send RST, shutdown() makes
// every further read and write by httplib fail at once, so no response bytes leave. httplib
// still owns (and later closes) the descriptor; we never close it ourselves.
bool drop_connection(int server_port, int remote_port) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  bool dropped = false;
  while (dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long fd_long = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    const int fd = static_cast<int>(fd_long);
    if (fd == ::dirfd(dir)) continue;
    if (local_port(fd) != server_port || peer_port(fd) != remote_port) continue;
    linger lg{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    ::shutdown(fd, SHUT_RDWR);
    dropped = true;
    break;
  }
  ::closedir(dir);
  return dropped;
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr addr{};
  if (::inet_pton(AF_INET, host.c_str(), &addr) == 1) {
    return (ntohl(addr.s_addr) >> 24) == 127;
  }
  return false;
}

struct Server::Impl {
  internal::ServerContext ctx;
  httplib::Server http;
  internal::Router api;
  internal::Router admin;
  std::thread thread;
  std::atomic<std::uint64_t> next_request_id{1};
  int port = 0;
  bool stopped = false;

  void dispatch(const httplib::Request& req, httplib::Response& res);
  void serve_api(const httplib::Request& req, httplib::Response& res);
};

void Server::Impl::dispatch(const httplib::Request& req, httplib::Response& res) {
  char request_id[32];
  std::snprintf(request_id, sizeof(request_id), "emu-%08llx",
                static_cast<unsigned long long>(next_request_id.fetch_add(1)));
  res.set_header("x-request-id", request_id);

  if (req.path.rfind("/__admin/", 0) == 0) {
    Call call{req, res, ctx, {}, ""};
    const internal::Route* route = admin.match(req.method, req.path, &call.params);
    if (route == nullptr) {
      reply_error(res, 404, "no admin route " + req.method + " " + req.path);
      return;
    }
    route->handler(call);
    return;
  }
  serve_api(req, res);
}

void Server::Impl::serve_api(const httplib::Request& req, httplib::Response& res) {
  Call call{req, res, ctx, {}, ""};
  const internal::Route* route = api.match(req.method, req.path, &call.params);
  const std::string name = route != nullptr ? route->name : req.method + " (unknown route)";
  ctx.stats.record(name);

  const int latency = ctx.faults.latency_ms().value_or(ctx.options.latency_ms);
  if (latency > 0) std::this_thread::sleep_for(std::chrono::milliseconds(latency));

  if (std::optional<Fault> fault = ctx.faults.decide(name)) {
    if (fault->reset) {
      if (drop_connection(port, req.remote_port)) {
        // Nothing reaches the client; make httplib close instead of waiting for more requests.
        res.set_header("Connection", "close");
        reply_error(res, 500, "connection reset by fault injection");
        return;
      }
      // Could not find the socket: fall through to a 502 rather than pretend it worked.
      reply_error(res, 502, "fault injection could not reset the connection");
      return;
    }
    if (fault->retry_after) res.set_header("Retry-After", std::to_string(*fault->retry_after));
    reply_error(res, fault->status, "injected fault");
    return;
  }

  if (route == nullptr) {
    reply_error(res, 404, "no route " + req.method + " " + req.path);
    return;
  }
  if (route->auth == internal::Auth::kRequired) {
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.empty()) {
      reply_error(res, 401, "Unauthorized: missing authorization header");
      return;
    }
    if (header.size() <= kBearer.size() ||
        !std::equal(kBearer.begin(), kBearer.end(), header.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      reply_error(res, 401, "Unauthorized: expected a Bearer token");
      return;
    }
    Result<Json> claims = verify_jwt(std::string_view(header).substr(kBearer.size()),
                                     ctx.options.jwt_secret, unix_now());
    if (!claims.has_value()) {
      reply_error(res, 401, "Unauthorized: " + claims.error().message());
      return;
    }
    const Json& email = internal::field(*claims, "email");
    if (!email.is_string() || email.get<std::string>().empty()) {
      reply_error(res, 401, "Unauthorized: token has no email");
      return;
    }
    call.caller = email.get<std::string>();
  }
  route->handler(call);
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::start(ServerOptions options) {
  if (!options.allow_remote && !is_loopback_host(options.host)) {
    return invalid_argument("refusing to listen on non-loopback address " + options.host +
                            " (the admin API has no authentication; pass --allow-remote)");
  }
  // A dropped connection (reset fault, vanished client) must not kill the process.
  ::signal(SIGPIPE, SIG_IGN);

  auto impl = std::make_unique<Impl>();
  Impl* raw = impl.get();
  raw->ctx.options = options;
  httplib::Server& http = raw->http;
  const std::size_t threads = options.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_keep_alive_max_count(1000000);
  http.set_keep_alive_timeout(30);
  http.set_read_timeout(120, 0);
  http.set_write_timeout(120, 0);
  http.set_tcp_nodelay(true);
  http.set_payload_max_length(options.payload_max_bytes);

  // cpp-httplib 0.11.4 listens with a backlog of 5, which drops SYNs when dozens of clients
  // connect at once (each drop costs the client a 1 s retransmit). Capture the listening socket
  // to raise the backlog after bind.
  auto listen_fd = std::make_shared<std::atomic<int>>(-1);
  http.set_socket_options([listen_fd](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    int expected = -1;
    listen_fd->compare_exchange_strong(expected, sock);
  });

  int port = options.port;
  if (port == 0) {
    port = http.bind_to_any_port(options.host);
  } else if (!http.bind_to_port(options.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return unavailable("cannot listen on " + options.host + ":" + std::to_string(options.port));
  }
  raw->port = port;
  if (listen_fd->load() >= 0) ::listen(listen_fd->load(), SOMAXCONN);
  const std::string url_host = options.host.find(':') != std::string::npos
                                   ? "[" + options.host + "]"
                                   : (options.host == "0.0.0.0" ? "127.0.0.1" : options.host);
  raw->ctx.gate_url = "http://" + url_host + ":" + std::to_string(port);
  std::shared_ptr<DriverStorage> storage;
  if (!options.storage_root.empty()) {
    storage = std::make_shared<DriverStorage>(options.storage_root);
  }
  raw->ctx.store = std::make_unique<Store>(raw->ctx.gate_url + std::string(internal::kApiPrefix),
                                           std::move(storage));

  internal::add_auth_routes(raw->api);
  internal::add_driver_routes(raw->api);
  internal::add_dataset_routes(raw->api);
  internal::add_item_routes(raw->api);
  internal::add_misc_routes(raw->api);
  internal::add_admin_routes(raw->admin);

  // Multipart bodies are read raw and parsed by emulator/multipart.h: cpp-httplib 0.11.4's
  // streaming parser fails on the small chunks aiohttp sends. The pre-routing hook runs before
  // the body is read; the Request it sees is the server's own mutable object.
  http.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    if (req.is_multipart_form_data()) {
      auto& mutable_req = const_cast<httplib::Request&>(req);
      const std::string original = req.get_header_value("Content-Type");
      mutable_req.headers.erase("Content-Type");
      mutable_req.headers.emplace("Content-Type", "application/octet-stream");
      mutable_req.headers.emplace(internal::kMultipartTypeHeader, original);
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  auto handler = [raw](const httplib::Request& req, httplib::Response& res) {
    raw->dispatch(req, res);
  };
  http.Get(".*", handler);
  http.Post(".*", handler);
  http.Put(".*", handler);
  http.Patch(".*", handler);
  http.Delete(".*", handler);
  http.Options(".*", handler);
  // Errors cpp-httplib answers itself (unparsable request, payload too large) get the same JSON
  // body and request id as ours.
  http.set_error_handler([raw](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (!res.has_header("x-request-id")) {
      res.set_header("x-request-id", "emu-e" + std::to_string(raw->next_request_id.fetch_add(1)));
    }
    reply_error(res, res.status, "request rejected by the HTTP layer");
  });
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = std::string("internal error: ") + e.what();
        } catch (...) {
        }
        reply_error(res, 500, what);
      });

  raw->thread = std::thread([raw] { raw->http.listen_after_bind(); });
  // The socket already queues connections; wait until the accept loop runs so that stop()
  // right after start() cannot race it.
  for (int i = 0; i < 5000 && !raw->http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }
std::string Server::gate_url() const { return impl_->ctx.gate_url; }
std::string Server::api_base_url() const {
  return impl_->ctx.gate_url + std::string(internal::kApiPrefix);
}
Store& Server::store() { return *impl_->ctx.store; }
RequestStats& Server::stats() { return impl_->ctx.stats; }
FaultInjector& Server::faults() { return impl_->ctx.faults; }

std::string Server::token_for(const std::string& email, std::chrono::seconds ttl) const {
  return make_token(email, ttl, impl_->ctx.options.jwt_secret);
}

void Server::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace dlexport::emulator
