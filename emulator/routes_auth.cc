// Identity: GET /users/me, the gate's POST /token?default, the FaaS agent's GET /get_jwt
// (WIRE.md §1) and the SDK's fire-and-forget POST /sdk/check (§0.4).

#include <chrono>

#include "emulator/jwt.h"
#include "emulator/routes.h"

namespace dlexport::emulator::internal {
namespace {

// Tokens the emulator hands out live as long as a platform session does.
constexpr std::chrono::seconds kIssuedTokenTtl{24 * 3600};

Json user_json(const std::string& email) {
  const std::string local = email.substr(0, email.find('@'));
  return Json{{"id", email},
              {"email", email},
              {"username", email},
              {"firstName", local},
              {"lastName", ""},
              {"createdAt", 1700000000000},
              {"updatedAt", 1700000000000},
              {"avatar", nullptr},
              {"projects", Json::array()},
              {"groups", Json::array()},
              {"org", nullptr},
              {"type", "human"}};
}

Json token_response(ServerContext& ctx, const std::string& email) {
  const std::string jwt = make_token(email, kIssuedTokenTtl, ctx.options.jwt_secret);
  return Json{{"id_token", jwt},
              {"access_token", jwt},
              {"refresh_token", ctx.store->issue_refresh_token(email)},
              {"token_type", "Bearer"},
              {"expires_in", kIssuedTokenTtl.count()}};
}

void users_me(Call& call) { reply_json(call.res, 200, user_json(call.caller)); }

void token(Call& call) {
  std::optional<Json> body = json_body(call);
  if (!body) return;
  const Json& type = field(*body, "type");
  if (!type.is_string()) {
    reply_error(call.res, 400, "missing grant type");
    return;
  }
  if (type == "refresh_token") {
    const Json& refresh = field(*body, "refresh_token");
    std::optional<std::string> email;
    if (refresh.is_string())
      email = call.ctx.store->user_for_refresh_token(refresh.get<std::string>());
    if (!email) {
      reply_error(call.res, 401, "invalid refresh token");
      return;
    }
    reply_json(call.res, 200, token_response(call.ctx, *email));
    return;
  }
  if (type == "user_credentials") {
    const Json& username = field(*body, "username");
    const Json& password = field(*body, "password");
    std::optional<std::string> email;
    if (username.is_string() && password.is_string()) {
      email = call.ctx.store->check_credentials(username.get<std::string>(),
                                                password.get<std::string>());
    }
    if (!email) {
      reply_error(call.res, 401, "invalid username or password");
      return;
    }
    reply_json(call.res, 200, token_response(call.ctx, *email));
    return;
  }
  reply_error(call.res, 400, "unsupported grant type");
}

void get_jwt(Call& call) {
  const std::string& secret = call.ctx.options.agent_secret;
  if (!secret.empty() && call.req.get_header_value("X-Get-Jwt-Secret") != secret) {
    reply_error(call.res, 401, "Unauthorized: bad X-Get-Jwt-Secret");
    return;
  }
  reply_json(call.res, 200,
             Json{{"jwt", make_token(call.ctx.options.agent_email, kIssuedTokenTtl,
                                     call.ctx.options.jwt_secret)}});
}

void sdk_check(Call& call) { reply_json(call.res, 200, Json{{"level", "debug"}, {"msg", "ok"}}); }

}  // namespace

void add_auth_routes(Router& router) {
  router.add("GET", "/api/v1/users/me", Auth::kRequired, users_me);
  router.add("POST", "/token", Auth::kNone, token);
  router.add("GET", "/get_jwt", Auth::kNone, get_jwt);
  router.add("POST", "/api/v1/sdk/check", Auth::kNone, sdk_check);
}

}  // namespace dlexport::emulator::internal
