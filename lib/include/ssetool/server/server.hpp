// An SSE server on the stream loop. The loop owns the listening socket and every connection: it accepts,
// does TLS handshakes, and reads each request, body included, until it is complete (request_framing.hpp),
// within the request deadline and the per-request and global body limits; only then does a worker thread run it
// through cpp-httplib (http_bridge). Short answers are written by the worker; an event stream's socket
// comes back to the loop as a Session. A deferred reply (Reply::later) frees the worker at once: the loop writes it
// when the handler gives it. Built in: heartbeats, logging, graceful shutdown, and the HTTP policy
// of policy.hpp (auth, CORS, /healthz, /metrics, admission) around the handler.
//
// Stream loops (ServerOptions::stream_loops, --threads): the server's own loop accepts and reads requests; with N
// loops, N - 1 more run on threads of their own, and each new stream is placed on the next loop in turn (or on the
// one a deferred reply names, Reply::loop: `serve --mcp` keeps a session's streams with it), where it lives until
// it ends. A stream's handler (the Reply's opener), its session and its on_close callbacks run on
// that stream's loop (Session::loop()). Heartbeats run on each loop for its own streams; shutdown ends every
// loop's streams and calls `done` on the server's loop once all of them are over.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ssetool/loop/loop.hpp"
#include "ssetool/loop/loop_thread.hpp"
#include "ssetool/loop/session.hpp"
#include "ssetool/loop/worker_pool.hpp"
#include "ssetool/server/http_bridge.hpp"
#include "ssetool/server/metrics.hpp"
#include "ssetool/server/policy.hpp"
#include "ssetool/server/server_options.hpp"

namespace ssetool {

class Server {
 public:
  Server(Loop& loop, ServerOptions options, Handler handler);
  ~Server();

  // Binds and starts accepting; writes the port file. Throws SystemError (busy port...) or InvalidArgument.
  void start();
  // "http://127.0.0.1:PORT/" (https, [::1], unix:PATH as appropriate).
  std::string url() const;
  int port() const { return port_; }
  const ServerOptions& options() const { return options_; }
  const ServerStats& stats() const { return stats_; }
  // On the server's loop: streams open on every loop (those handed to another loop count until they end).
  std::size_t session_count() const { return shards_.empty() ? 0 : shards_[0]->sessions.size() + remote_sessions_; }
  // The stream loops, the server's own first (one before start()).
  std::size_t loop_count() const { return shards_.size(); }
  // Stream loop `i` (< loop_count()), for a deferred reply that names where its stream lives (Reply::loop).
  Loop& stream_loop(std::size_t i) const { return shards_[i]->loop; }

  // Graceful shutdown, on the loop's thread: stop accepting, let every stream flush and end cleanly
  // within the grace period (then cut the rest), and call `done` once nothing is left.
  void shutdown(std::function<void()> done);
  bool stopping() const { return stopping_.load(); }

  // From a handler, before costly work: one of the --max-clients places (HttpPolicy::reserve_stream). Thread-safe.
  bool reserve_stream() { return policy_->reserve_stream(); }
  void release_stream() { policy_->release_stream(); }

 private:
  struct Connection;
  using ConnectionPtr = std::shared_ptr<Connection>;
  // One stream loop and the sessions it owns (touched on that loop only).
  struct Shard {
    std::size_t index;  // in shards_ and ServerStats::loop_clients
    Loop& loop;
    std::unique_ptr<LoopThread> thread;  // null for the server's own loop
    std::unordered_map<std::uint64_t, std::shared_ptr<Session>> sessions;
    Loop::TimerId sweep_timer = 0;
  };

  void bind_and_listen();
  void write_port_file() const;
  void on_accept();
  void watch_connection(const ConnectionPtr& c);
  void on_connection_io(const ConnectionPtr& c, std::uint32_t events);
  bool continue_handshake(const ConnectionPtr& c);
  bool advance(const ConnectionPtr& c);
  bool hold_body(const ConnectionPtr& c);
  void release_body(const ConnectionPtr& c);
  bool accept_head(const ConnectionPtr& c);
  void dispatch(const ConnectionPtr& c);
  void answer_here(const ConnectionPtr& c);
  void on_worker_done(const ConnectionPtr& c, BridgeOutcome outcome);
  void wait_for_reply(const ConnectionPtr& c, BridgeOutcome outcome);
  void watch_for_hangup(const ConnectionPtr& c);
  void client_left(const ConnectionPtr& c);
  void stop_waiting(const ConnectionPtr& c);
  void give_reply(const ConnectionPtr& c, BridgeOutcome outcome, Reply reply);
  void write_reply(const ConnectionPtr& c, std::string bytes, std::function<void()> then);
  void flush_reply(const ConnectionPtr& c);
  void reply_written(const ConnectionPtr& c, bool ok);
  void cut_waiting();
  void take_back(const ConnectionPtr& c, std::unique_ptr<Transport> transport, std::string input);
  void open_session(const ConnectionPtr& c, BridgeOutcome outcome, Loop* on = nullptr);
  void start_session(Shard& shard, const ConnectionPtr& c, BridgeOutcome outcome);
  void session_closed(Shard& shard, std::uint64_t id);
  void on_shard(Shard& shard, std::function<void()> fn);
  void after_round_trip(Shard& shard, std::function<void()> fn);
  void close_connection(const ConnectionPtr& c);
  void refuse(const ConnectionPtr& c, int status, const char* reason, const std::string& headers = "",
              const std::string& why = "");
  void request_timed_out(const ConnectionPtr& c);
  void sweep(Shard& shard);
  void cut_streams(Shard& shard);
  void check_shutdown_done();

  void log(Verbosity level, const std::string& line) const;

  Loop& loop_;
  ServerOptions options_;
  std::unique_ptr<class TlsContext> tls_;
  int listen_fd_ = -1;
  bool unix_path_bound_ = false;  // we created the unix socket file (and remove it at the end)
  int port_ = 0;
  std::unique_ptr<HttpBridge> bridge_;
  std::unique_ptr<WorkerPool> workers_;
  std::unordered_map<std::uint64_t, ConnectionPtr> connections_;
  std::unordered_map<std::uint64_t, ConnectionPtr> waiting_;  // waiting for a deferred reply, or writing it
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);     // an Answer given after ~Server does nothing
  std::vector<std::unique_ptr<Shard>> shards_;  // [0]: the server's own loop
  std::size_t next_shard_ = 0;
  std::size_t remote_sessions_ = 0;  // server's loop: streams handed to another loop, not yet ended
  std::uint64_t next_id_ = 1;
  std::size_t in_workers_ = 0;
  std::size_t body_in_flight_ = 0;  // request body bytes held by all connections (loop thread only)
  ServerStats stats_;
  std::unique_ptr<HttpPolicy> policy_;  // answers requests on the workers
  std::atomic<bool> stopping_{false};  // written on the loop
  std::function<void()> on_stopped_;
};

}  // namespace ssetool
