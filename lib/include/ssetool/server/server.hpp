// An SSE server on the stream loop. The loop owns the listening socket and every connection: it accepts,
// does TLS handshakes, and reads each request until it is complete; only then does a worker thread run it
// through cpp-httplib (http_bridge). Short answers are written by the worker; an event stream's socket
// comes back to the loop as a Session. Built in: auth (--token), CORS, /healthz, /metrics, admission
// (--max-clients), heartbeats, logging, graceful shutdown.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "ssetool/loop/loop.hpp"
#include "ssetool/loop/session.hpp"
#include "ssetool/loop/worker_pool.hpp"
#include "ssetool/server/http_bridge.hpp"
#include "ssetool/server/server_options.hpp"

namespace ssetool {

struct ServerStats {
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> clients_connected{0};
  std::atomic<std::uint64_t> clients_dropped_slow{0};
  std::atomic<std::uint64_t> events_published{0};  // maintained by the application
  std::atomic<std::uint64_t> history_length{0};    // maintained by the application
  DeliveryCounters delivered;
};

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
  ServerStats& stats() { return stats_; }
  std::size_t session_count() const { return sessions_.size(); }

  // Graceful shutdown, on the loop's thread: stop accepting, let every stream flush and end cleanly
  // within the grace period (then cut the rest), and call `done` once nothing is left.
  void shutdown(std::function<void()> done);
  bool stopping() const { return stopping_.load(); }

 private:
  struct Connection;
  using ConnectionPtr = std::shared_ptr<Connection>;

  void bind_and_listen();
  void write_port_file() const;
  void on_accept();
  void watch_connection(const ConnectionPtr& c);
  void on_connection_io(const ConnectionPtr& c, std::uint32_t events);
  bool continue_handshake(const ConnectionPtr& c);
  void try_dispatch(const ConnectionPtr& c);
  void dispatch(const ConnectionPtr& c);
  void on_worker_done(const ConnectionPtr& c, BridgeOutcome outcome);
  void open_session(const ConnectionPtr& c, BridgeOutcome outcome);
  void close_connection(const ConnectionPtr& c);
  void refuse(const ConnectionPtr& c, int status, const char* reason);
  void sweep();
  void check_shutdown_done();

  Reply dispatch_request(const Request& req);  // worker threads
  bool authorized(const Request& req) const;
  void add_common_headers(const Request& req, Reply& reply) const;
  std::string metrics_text() const;
  void log(Verbosity level, const std::string& line) const;

  Loop& loop_;
  ServerOptions options_;
  Handler handler_;
  std::unique_ptr<class TlsContext> tls_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::unique_ptr<HttpBridge> bridge_;
  std::unique_ptr<WorkerPool> workers_;
  std::unordered_map<std::uint64_t, ConnectionPtr> connections_;
  std::unordered_map<std::uint64_t, std::shared_ptr<Session>> sessions_;
  std::uint64_t next_id_ = 1;
  std::size_t in_workers_ = 0;
  std::atomic<std::size_t> streams_reserved_{0};
  ServerStats stats_;
  Loop::TimerId sweep_timer_ = 0;
  std::atomic<bool> stopping_{false};  // read by workers (admission), written on the loop
  std::function<void()> on_stopped_;
};

}  // namespace ssetool
