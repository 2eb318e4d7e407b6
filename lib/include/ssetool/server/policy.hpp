// The HTTP policy every ssetool server applies around its application's handler, apart from the socket
// lifecycle (server.hpp). For each complete request, on a worker thread:
//  - CORS (--cors): an OPTIONS preflight is answered 204; a response to an allowed Origin says it may be read;
//  - built-in routes: /healthz (open to all, token or not) and /metrics;
//  - auth (--token): everything else needs `Authorization: Bearer TOKEN` or `?access_token=TOKEN`, compared in
//    constant time; 401 otherwise. The token is never logged;
//  - admission (--max-clients): at most max_clients event streams at once, and none once the server stops;
//    beyond that a stream request gets 503 with Retry-After;
//  - headers: Cache-Control and X-Accel-Buffering on streams, the -H extras on everything.
// Thread-safe: answer() runs on any worker, finish() on the loop; reserve_stream(), release_stream() and stop_admitting() on any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>

#include "ssetool/server/metrics.hpp"
#include "ssetool/server/reply.hpp"
#include "ssetool/server/server_options.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

class HttpPolicy {
 public:
  // Keeps references to options and stats (the server's own, which outlive it).
  HttpPolicy(const ServerOptions& options, const ServerStats& stats, Handler handler);
  HttpPolicy(const HttpPolicy&) = delete;
  HttpPolicy& operator=(const HttpPolicy&) = delete;

  // The response to a complete request: a built-in one, a refusal, or the handler's with the common headers.
  // An event stream it returns holds one of the max_clients places until release_stream().
  // A deferred reply (Reply::later) is returned as it is: the server calls finish() on the reply it gives.
  Reply answer(const Request& req);
  // Admission and the common headers, for the reply `req` gets.
  void finish(const Request& req, Reply& reply);
  // For a handler that must know before costly work (serve starts a process per stream): takes one of the
  // max_clients places now; false when none is free or the server stops. The handler then returns its stream
  // with Reply::admitted set, or gives the place back with release_stream() if it answers anything else.
  bool reserve_stream();
  // An admitted stream ended (or was never opened): its place is free again.
  void release_stream();
  // Server shutdown: no stream is admitted any more.
  void stop_admitting();

 private:
  Reply route(const Request& req);
  Reply health() const;
  void admit(Reply& reply);
  void add_common_headers(const std::optional<std::string>& origin, Reply& reply) const;

  const ServerOptions& options_;
  const ServerStats& stats_;
  Handler handler_;
  std::atomic<std::size_t> streams_reserved_{0};
  std::atomic<bool> admitting_{true};
};

// --token: true when no token is required, or the request carries it (Bearer header, or access_token).
bool authorized(const Request& req, const std::string& token);

// The request passes auth: the application's own decision (ServerOptions::own_auth) where it takes one, else
// --token's.
bool allowed(const Request& req, const ServerOptions& options);

// Constant-time comparison of a secret (its length aside), so a wrong guess does not tell how much was right.
bool same_secret(const std::string& given, const std::string& expected);

}  // namespace ssetool
