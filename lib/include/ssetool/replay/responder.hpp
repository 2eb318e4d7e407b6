// The request handler of `ssetool replay`: finds the route that answers a request (choose_route: the most specific
// match, then the first) and answers it — a
// simulated failure (--fail-first), a short response (a status/body route, a recorded error), or an event stream
// whose Playback starts on the loop when the stream opens — and journals every request once it is over.
//
// A route serves a tape's responses in turn: its first stream request gets the tape's first response, the second
// the second, and every later one the last (a recording that reconnected replays the same story). Requests that
// fail through --fail-first do not use up a response. A preset route makes a new stream for each request. A route
// with a sequence answers its n-th request with the n-th step (see Route::sequence).
//
// Test scopes (replay/test_scopes.hpp): a request with an X-Test-Id header is counted (for --fail-first, sequences
// and {{seq}}) among the requests of that route with the same X-Test-Id only, so that concurrent tests each see
// their own 1st, 2nd, ... call. The faults the control API set for a request's scope apply first: fail_next fails
// the request (without counting it as a call of the route), drop_after and stall_after replace the route's for its
// streams. Every request is recorded in its scope's journal view (kept when the control API is on), and every
// stream is registered in its scope while it is open, for pushes.
//
// handle() runs on the server's worker threads; the counters it keeps are atomic, and the journal locks.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ssetool/replay/journal.hpp"
#include "ssetool/replay/route.hpp"
#include "ssetool/replay/test_scopes.hpp"
#include "ssetool/server/reply.hpp"

namespace ssetool {

struct ResponderOptions {
  std::vector<Route> routes;
  std::uint64_t seed = 0;                   // each connection's jitter/chunking generator derives from it
  std::shared_ptr<Journal> journal;         // null: no journal
  std::function<std::optional<std::string>(const Request&)> last_event_id;  // what a request resumes from
  std::function<void()> on_request_done;    // any thread; once per request answered or stream ended
  std::shared_ptr<TestScopes> scopes;       // null: a table of its own, without journal views
  // A request no route matches goes here (replay --record-from: replay/record_proxy.hpp); null: 404. Journaled
  // with the route name "--record-from" and, for a stream, how it ended (SessionEnd: "ended", "client gone"...).
  std::function<Reply(const Request&)> unmatched;
};

class ReplayResponder {
 public:
  explicit ReplayResponder(ResponderOptions options);

  Reply handle(const Request& request);

  // The body of the 404 for an unmatched request: what was asked, and every route in order.
  std::string not_found_text(const Request& request) const;

  TestScopes& scopes() { return *options_.scopes; }
  // Forgets the unscoped route counters (requests, and which of a tape's responses comes next). Any thread.
  void reset_counters();

 private:
  struct RouteState {
    std::atomic<std::uint64_t> requests{0};  // requests matched, for --fail-first
    std::atomic<std::uint64_t> streams{0};   // streams served, to pick the tape's response
  };

  // How many requests this route answered before this one: overall, or within the request's X-Test-Id.
  std::uint64_t count_request(std::size_t index, const Request& request);
  Reply failure(const Route& route, std::uint64_t nth, JournalEntry& entry);
  Reply scope_failure(int status, JournalEntry& entry);
  Reply short_reply(int status, const Headers& headers, const std::string& content_type, const std::string& body,
                    JournalEntry& entry);
  Reply answer(const Route& route, std::size_t index, std::uint64_t seq, JournalEntry entry);
  Reply stream(const Route& route, std::size_t index, std::uint64_t seq, JournalEntry entry);
  Reply preset_stream(const Route& route, std::uint64_t seq, JournalEntry entry);
  // Plays `response`, which `recording` keeps alive.
  Reply play(const Route& route, std::shared_ptr<const Recording> recording, const ReplayResponse& response,
             JournalEntry entry);
  void finish(const JournalEntry& entry);
  Reply forward_unmatched(const Request& request, JournalEntry entry);

  ResponderOptions options_;
  std::unique_ptr<RouteState[]> states_;
  std::atomic<std::uint64_t> requests_{0};
};

}  // namespace ssetool
