// The HTTP policy around a server's handler: CORS, built-in routes, auth, admission (see server/policy.hpp).
#include "ssetool/server/policy.hpp"

#include <openssl/crypto.h>

namespace ssetool {

HttpPolicy::HttpPolicy(const ServerOptions& options, const ServerStats& stats, Handler handler)
    : options_(options), stats_(stats), handler_(std::move(handler)) {}

Reply HttpPolicy::answer(const Request& req) {
  Reply reply = route(req);
  if (!reply.later) finish(req, reply);
  return reply;
}

void HttpPolicy::finish(const Request& req, Reply& reply) {
  if (reply.open_stream) admit(reply);
  add_common_headers(req.header("Origin"), reply);
}

Reply HttpPolicy::route(const Request& req) {
  if (req.method == "OPTIONS" && !options_.cors_origins.empty()) {
    Reply reply = Reply::text(204, "");
    reply.headers.emplace_back("Access-Control-Allow-Methods", options_.cors_methods);
    reply.headers.emplace_back("Access-Control-Allow-Headers",
                               req.header("Access-Control-Request-Headers").value_or(options_.cors_headers));
    reply.headers.emplace_back("Access-Control-Max-Age", "600");
    return reply;
  }
  if (req.path == "/healthz") return health();
  if (!allowed(req, options_)) {
    Reply reply =
        Reply::text(401, "unauthorized: a valid token is required (Authorization: Bearer, or access_token)\n");
    reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    return reply;
  }
  if (req.path == "/metrics") {
    ApplicationMetrics application;
    if (options_.application_metrics) application = options_.application_metrics();
    Reply reply = Reply::text(200, metrics_text(stats_, application));
    reply.content_type = "text/plain; version=0.0.4";
    return reply;
  }
  return handler_(req);
}

// /healthz: "ok", or 503 with the application's reason while it is unhealthy.
Reply HttpPolicy::health() const {
  std::optional<std::string> why = options_.unhealthy ? options_.unhealthy() : std::nullopt;
  if (!why) return Reply::text(200, "ok\n");
  Reply reply = Reply::text(503, "unavailable: " + *why + "\n");
  reply.headers.emplace_back("Retry-After", "1");
  return reply;
}

// A stream takes one of the max_clients places (unless its handler took it already), or is refused with 503.
void HttpPolicy::admit(Reply& reply) {
  if (!reply.admitted && !reserve_stream()) {
    reply = Reply::text(503, "too many clients; retry later\n");
    reply.headers.emplace_back("Retry-After", "1");
    return;
  }
  reply.headers.emplace_back("Cache-Control", "no-cache");
  reply.headers.emplace_back("X-Accel-Buffering", "no");
}

bool HttpPolicy::reserve_stream() {
  if (streams_reserved_.fetch_add(1) >= options_.max_clients || !admitting_) {
    streams_reserved_.fetch_sub(1);
    return false;
  }
  return true;
}

void HttpPolicy::release_stream() { streams_reserved_.fetch_sub(1); }

void HttpPolicy::stop_admitting() { admitting_ = false; }

void HttpPolicy::add_common_headers(const std::optional<std::string>& origin, Reply& reply) const {
  if (!options_.cors_origins.empty()) {
    for (const auto& allowed : options_.cors_origins) {
      if (allowed == "*") {
        reply.headers.emplace_back("Access-Control-Allow-Origin", "*");
      } else if (origin && *origin == allowed) {
        reply.headers.emplace_back("Access-Control-Allow-Origin", *origin);
        reply.headers.emplace_back("Access-Control-Allow-Credentials", "true");
        reply.headers.emplace_back("Vary", "Origin");
      } else {
        continue;
      }
      if (!options_.cors_expose_headers.empty())
        reply.headers.emplace_back("Access-Control-Expose-Headers", options_.cors_expose_headers);
      break;
    }
  }
  for (const auto& h : options_.extra_headers) reply.headers.push_back(h);
}

bool authorized(const Request& req, const std::string& token) {
  if (token.empty()) return true;
  if (auto auth = req.header("Authorization"); auth && auth->rfind("Bearer ", 0) == 0)
    return same_secret(auth->substr(7), token);
  if (auto param = req.param("access_token")) return same_secret(*param, token);
  return false;
}

bool allowed(const Request& req, const ServerOptions& options) {
  if (options.own_auth)
    if (std::optional<bool> own = options.own_auth(req)) return *own;
  return authorized(req, options.token);
}

bool same_secret(const std::string& given, const std::string& expected) {
  if (given.size() != expected.size()) {
    CRYPTO_memcmp(expected.data(), expected.data(), expected.size());  // same work either way
    return false;
  }
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace ssetool
