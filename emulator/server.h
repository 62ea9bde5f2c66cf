#pragma once
// Server: the emulator's HTTP front — cpp-httplib wired to a Store, with bearer-JWT auth,
// request stats, fault injection and the /__admin/ API (ARCHITECTURE.md §10, WIRE.md §11).
//
// Contract:
// - start() binds (port 0 picks a free port), creates the Store with the bound base URL and
//   serves on a background pool; it returns once connections are accepted. stop() (or the
//   destructor) shuts the listener down and joins. One Server per port; several may coexist in a
//   process (tests).
// - Base URLs: API `http://<host>:<port>/api/v1`, gate (token endpoint) `http://<host>:<port>`.
// - Thread-safe: handlers run concurrently on a pool bigger than any realistic client count
//   (keep-alive connections pin a pool thread each); the Store, stats and fault plan lock
//   themselves. Latency is slept inside the handler, so it never serialises requests.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/json.h"
#include "common/result.h"
#include "emulator/faults.h"
#include "emulator/jwt.h"
#include "emulator/stats.h"
#include "emulator/store.h"

namespace dlexport::emulator {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                        // 0 = any free port
  bool allow_remote = false;           // required for non-loopback hosts (the admin API is open)
  std::filesystem::path storage_root;  // driver-backed datasets write files here ("" = none)
  std::string jwt_secret = std::string(kDefaultJwtSecret);
  std::string agent_secret;  // when set, GET /get_jwt requires X-Get-Jwt-Secret to match
  std::string agent_email = "service-bot@emulator.local";  // whose token GET /get_jwt hands out
  int latency_ms = 0;                                      // base latency of every API call
  std::size_t threads = 256;  // > the number of keep-alive client connections expected
  std::size_t payload_max_bytes = std::size_t{256} << 20;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  // http://127.0.0.1:<port>
  std::string gate_url() const;
  // http://127.0.0.1:<port>/api/v1
  std::string api_base_url() const;

  Store& store();
  RequestStats& stats();
  FaultInjector& faults();

  // A fresh API key signed with this server's secret.
  std::string token_for(const std::string& email, std::chrono::seconds ttl) const;

  // Stops accepting, finishes in-flight requests, joins. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dlexport::emulator
