// dlexport-emulator: a local stand-in for the Dataloop REST platform (ARCHITECTURE.md §10).
//   dlexport-emulator serve --listen 127.0.0.1:0 --storage-root /tmp/emu [--fixture f.json]
//   dlexport-emulator token --email me@example.com

#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "emulator/jwt.h"
#include "emulator/server.h"

namespace {

using dlexport::Json;
namespace emu = dlexport::emulator;

bool split_listen(const std::string& listen, std::string* host, int* port) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  *host = listen.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  try {
    std::size_t used = 0;
    *port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || *port < 0 || *port > 65535) return false;
  } catch (const std::exception&) {
    return false;
  }
  return !host->empty();
}

int serve(const std::string& listen, emu::ServerOptions options, const std::string& fixture) {
  if (!split_listen(listen, &options.host, &options.port)) {
    std::cerr << "error: --listen must be HOST:PORT, e.g. 127.0.0.1:0\n";
    return 2;
  }
  Json fixture_json;
  if (!fixture.empty()) {
    std::ifstream in(fixture);
    if (!in) {
      std::cerr << "error: cannot read fixture " << fixture << "\n";
      return 2;
    }
    try {
      fixture_json = Json::parse(in);
    } catch (const Json::exception& e) {
      std::cerr << "error: fixture " << fixture << " is not valid JSON: " << e.what() << "\n";
      return 2;
    }
  }
  // Block the stop signals in every thread the server starts; the main thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto server = emu::Server::start(options);
  if (!server.has_value()) {
    std::cerr << "error: " << server.error().message() << "\n";
    return 1;
  }
  if (!fixture.empty()) {
    auto loaded = (*server)->store().load_fixture(fixture_json);
    if (!loaded.has_value()) {
      std::cerr << "error: fixture " << fixture << ": " << loaded.error().message() << "\n";
      return 1;
    }
    std::cerr << "loaded fixture " << fixture << ": " << loaded->dump() << "\n";
  }
  std::cout << "listening on " << (*server)->gate_url() << std::endl;  // flushes: tests wait on it

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << "signal " << signal_number << ": stopping\n";
  (*server)->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "dlexport-emulator: a local stand-in for the Dataloop REST API (WIRE.md), for tests,\n"
      "offline demos and benchmarks.\n\n"
      "  dlexport-emulator serve --listen 127.0.0.1:0 --storage-root /tmp/emu --fixture f.json\n"
      "  export DLX_TOKEN=$(dlexport-emulator token --email me@example.com)\n"
      "  curl -H \"authorization: Bearer $DLX_TOKEN\" http://127.0.0.1:PORT/api/v1/users/me\n"};
  app.require_subcommand(1);

  emu::ServerOptions options;
  std::string listen = "127.0.0.1:0";
  std::string fixture;
  CLI::App* serve_cmd = app.add_subcommand(
      "serve",
      "Serve the API at http://HOST:PORT/api/v1 (token endpoint: http://HOST:PORT/token?default).\n"
      "Prints 'listening on http://HOST:PORT' once connections are accepted; stops on "
      "SIGTERM/SIGINT.");
  serve_cmd->add_option("--listen", listen, "HOST:PORT to listen on (port 0 = any free port)")
      ->capture_default_str();
  serve_cmd
      ->add_option("--storage-root", options.storage_root,
                   "Directory where driver-backed datasets write their files (one folder per "
                   "driver bucket)")
      ->required();
  serve_cmd->add_option("--fixture", fixture,
                        "JSON fixture loaded at start (same format as POST /__admin/fixture)");
  serve_cmd->add_option("--latency-ms", options.latency_ms, "Latency added to every API call")
      ->capture_default_str();
  serve_cmd->add_option("--jwt-secret", options.jwt_secret,
                        "HS256 secret for API keys (default: the public dev secret, see README)");
  serve_cmd->add_option("--agent-secret", options.agent_secret,
                        "When set, GET /get_jwt requires header X-Get-Jwt-Secret with this value");
  serve_cmd->add_option("--agent-email", options.agent_email, "Whose token GET /get_jwt hands out")
      ->capture_default_str();
  serve_cmd->add_flag("--allow-remote", options.allow_remote,
                      "Allow a non-loopback listen address (the admin API has no auth!)");

  std::string email = "dev@example.com";
  long long ttl = 24 * 3600;
  std::string token_secret = std::string(emu::kDefaultJwtSecret);
  CLI::App* token_cmd = app.add_subcommand(
      "token", "Print an API key (HS256 JWT with email, sub, iat, exp) the emulator accepts.");
  token_cmd->add_option("--email", email, "The caller's email (creator of what it creates)")
      ->capture_default_str();
  token_cmd->add_option("--ttl", ttl, "Lifetime in seconds")->capture_default_str();
  token_cmd->add_option("--jwt-secret", token_secret,
                        "HS256 secret; must match the server's (default: the public dev secret)");

  CLI11_PARSE(app, argc, argv);

  if (*serve_cmd) return serve(listen, options, fixture);
  if (*token_cmd) {
    if (ttl <= 0) {
      std::cerr << "error: --ttl must be positive\n";
      return 2;
    }
    std::cout << emu::make_token(email, std::chrono::seconds(ttl), token_secret) << std::endl;
    return 0;
  }
  return 0;
}
