// The engine of `ssetool replay`: a server on its own stream loop that answers requests with ReplayResponder
// (recorded streams with their timing and faults, the most specific matching route wins) until it is stopped — by stop(), a
// stop signal, `exit_after` completed requests or the `timeout` — then shuts down gracefully.
// The routes, the journal and the seed come ready in the options (the CLI loads them from its flags).
// With a control token, the control API answers under /_ssetool/ (replay/control_api.hpp); without, 404 there.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ssetool/loop/loop.hpp"
#include "ssetool/replay/control_api.hpp"
#include "ssetool/replay/journal.hpp"
#include "ssetool/replay/record_proxy.hpp"
#include "ssetool/replay/responder.hpp"
#include "ssetool/replay/route.hpp"
#include "ssetool/server/server.hpp"

namespace ssetool {

struct ReplayOptions {
  ServerOptions server;
  std::vector<Route> routes;                         // the most specific match wins, then the first
  std::uint64_t seed = 0;                            // of every connection's jitter/chunking generator
  std::shared_ptr<Journal> journal;                  // null: no journal
  std::optional<std::uint64_t> exit_after;           // stop once this many requests have completed
  std::optional<std::chrono::microseconds> timeout;  // stop if still running after this long
  std::function<void(std::uint64_t completed)> on_timeout;  // loop thread: the timeout passed, before the shutdown
  std::vector<int> stop_signals;                     // stop on these (blocked in every thread: block_signals)
  std::string control_token;                         // not empty: the control API is on, with this token
  JournalRedaction control_redaction;                // what the control API's journal views must not show
  std::optional<RecordProxyOptions> record;          // --record-from: unmatched requests forwarded and recorded
};

class ReplayServer {
 public:
  // Why run() returned.
  enum class End { stopped, exit_after, timeout };

  // Builds the responder and the server (throws what Server's constructor throws). Call block_signals first when
  // stop_signals are given: the server's threads start in start().
  explicit ReplayServer(ReplayOptions options);

  // Binds and starts accepting; writes the port file. Throws SystemError (busy port...) or InvalidArgument.
  void start();
  // Where it listens: between start() and the end of run().
  std::string url() const { return server_->url(); }
  int port() const { return server_->port(); }

  // Runs the loop until the server has stopped (see above), then joins the server's threads. Once.
  End run();
  // Thread-safe: a graceful stop, as a stop signal does.
  void stop();
  // Requests answered or streams ended so far (loop thread, or after run()).
  std::uint64_t completed() const { return completed_; }

 private:
  void request_done();
  void shut_down(End end);

  ReplayOptions options_;
  Loop loop_;
  std::unique_ptr<RecordProxy> proxy_;  // with options.record
  std::unique_ptr<ReplayResponder> responder_;
  std::unique_ptr<ControlApi> control_;  // null: --control not given
  std::unique_ptr<Server> server_;
  std::uint64_t completed_ = 0;
  bool stopping_ = false;
  End end_ = End::stopped;
};

}  // namespace ssetool
