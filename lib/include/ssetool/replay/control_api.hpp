// The control API of `ssetool replay --control`: endpoints under /_ssetool/ through which a test reads and resets
// its scope (replay/test_scopes.hpp), sets faults for it, and pushes events into its open streams while it runs.
// Every endpoint needs `Authorization: Bearer TOKEN` with the control token (compared in constant time; the server's
// --token does not open it, and the query string never carries it). Control requests never reach the routes, are
// not journaled and do not count for --exit-after.
//
//   GET  /_ssetool/health                  {"status":"ok","scopes":N,"streams":N}
//   GET  /_ssetool/journal?test=ID         the scope's journal lines (NDJSON, the fields of --journal), oldest first
//   POST /_ssetool/reset?test=ID           forget the scope's counters, faults and journal; without test=: all of
//                                          them, and the route counters of requests without X-Test-Id
//   POST /_ssetool/push?test=ID&path=P     body: events (replay/pushed_events.hpp) written into the open streams
//                                          of the scope (without test=: of every scope) at path P (without: any);
//                                          answers {"events":N,"streams":N}
//   POST /_ssetool/faults?test=ID          body: {"fail_next":N,"status":CODE,"drop_after":N,"stall_after":N}
//                                          (each optional; null or absent: none), the scope's faults from now on
//
// test= names an X-Test-Id; without it (except reset and push, above) the scope is the requests without X-Test-Id.
// Answers: 400 with one line naming what is wrong, 404 for an unknown endpoint, 405 for a wrong method.
#pragma once

#include <string>

#include "ssetool/replay/responder.hpp"
#include "ssetool/server/reply.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

inline constexpr const char* kControlPrefix = "/_ssetool/";

// True for every path under /_ssetool/ (and /_ssetool itself): they are never a route's, control API on or off.
bool is_control_path(const std::string& path);

// The answer under /_ssetool/ when the control API is off.
Reply control_api_off();

class ControlApi {
 public:
  // `token` must not be empty; `responder` must outlive the API.
  ControlApi(std::string token, ReplayResponder& responder);

  // The request carries the control token (Bearer). Thread-safe.
  bool authorized(const Request& request) const;
  // Answers a control request (authorized already). Thread-safe.
  Reply handle(const Request& request);

 private:
  Reply health();
  Reply journal(const std::string& scope);
  Reply reset(const Request& request);
  Reply push(const Request& request);
  Reply faults(const Request& request, const std::string& scope);

  const std::string token_;
  ReplayResponder& responder_;
};

}  // namespace ssetool
