#pragma once
// Internal to the emulator: the route table and the helpers every routes_*.cc file shares
// (JSON replies, error bodies, status mapping, body parsing). Not a public interface.
//
// Handlers run concurrently on the server's pool; everything reachable from a Call is either
// per-request or locks itself (Store, RequestStats, FaultInjector).

#include <httplib.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "emulator/faults.h"
#include "emulator/server.h"
#include "emulator/stats.h"
#include "emulator/store.h"

namespace dlexport::emulator::internal {

inline constexpr std::string_view kApiPrefix = "/api/v1";
inline constexpr const char* kJsonContentType = "application/json; charset=utf-8";
// Where the server keeps a multipart request's Content-Type (see the pre-routing hook).
inline constexpr const char* kMultipartTypeHeader = "X-Dlx-Multipart-Content-Type";

// What every handler shares.
struct ServerContext {
  ServerOptions options;
  std::string gate_url;  // http://127.0.0.1:<port>
  std::unique_ptr<Store> store;
  RequestStats stats;
  FaultInjector faults;
};

struct Call {
  const httplib::Request& req;
  httplib::Response& res;
  ServerContext& ctx;
  std::vector<std::string> params;  // the `{id}` segments of the route, in order
  std::string caller;               // email from the bearer JWT ("" on routes without auth)
};

using Handler = std::function<void(Call&)>;
enum class Auth { kRequired, kNone };

struct Route {
  std::string method;
  std::string path_template;  // "/api/v1/items/{id}"
  std::string name;           // "GET /items/{id}": the stats / fault-plan key
  Auth auth = Auth::kRequired;
  Handler handler;
  std::vector<std::string> segments;
};

class Router {
 public:
  // `path_template` segments written `{id}` match any one non-empty segment.
  void add(std::string method, std::string path_template, Auth auth, Handler handler);
  const Route* match(const std::string& method, const std::string& path,
                     std::vector<std::string>* params) const;

 private:
  std::vector<Route> routes_;
};

// The stats key of an API path template: the method plus the path without "/api/v1".
std::string route_name(std::string_view method, std::string_view path_template);

void reply_json(httplib::Response& res, int status, const Json& body);
// {"status": <status>, "message": <message>}
void reply_error(httplib::Response& res, int status, std::string_view message);
int http_status_for(const Status& status);
void reply_status(httplib::Response& res, const Status& status);
// 200 with the value, or the mapped error.
void reply_result(httplib::Response& res, const Result<Json>& result);

// The request body as a JSON value; replies 400 and returns nullopt when it is not JSON (or
// not an object when `object_required`).
std::optional<Json> json_body(Call& call, bool object_required = true);

// obj[key] without inserting: null when `obj` is not an object or lacks the key.
const Json& field(const Json& obj, const char* key);

void add_auth_routes(Router& router);
void add_driver_routes(Router& router);
void add_dataset_routes(Router& router);
void add_item_routes(Router& router);
void add_misc_routes(Router& router);
void add_admin_routes(Router& router);

}  // namespace dlexport::emulator::internal
