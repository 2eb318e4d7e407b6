// The engine of `ssetool serve -- COMMAND`: a server that starts one COMMAND per client (on a worker thread, so a
// failure can still be answered with 503; and only once the client is admitted under --max-clients and
// --max-procs, so a client turned away never starts a process), joins each to the client's stream as a
// ProcessEndpoint, routes POSTs to a session's stdin endpoint, serves the viewer page at GET /, and on stop() or a
// stop signal lets every child finish (SIGTERM, then SIGKILL after the kill grace) before the server stops. The
// process must ignore SIGPIPE: a child that closed its stdin then shows as EPIPE (children get SIG_DFL).
//
// Threads (ServerOptions::stream_loops, --threads N): each stream is placed on one of N loops (server.hpp), and
// its child lives there too — the ProcessEndpoint, its stdout/stderr readers, stdin writer, pidfd and timers.
// Shared across threads, each thread-safe: the process slots (atomic), the stdin registry and the endpoint table
// (a mutex each, held for map operations only). A worker routes a POST by posting the write to the endpoint's
// loop. The server's loop (the caller's, running run()) owns signals and the shutdown sequence: it asks each
// loop to stop its own children and stops the server once the table is empty (or the kill grace + 1 s is over).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "ssetool/loop/loop.hpp"
#include "ssetool/serve/endpoint.hpp"
#include "ssetool/serve/endpoint_table.hpp"
#include "ssetool/serve/process_slots.hpp"
#include "ssetool/serve/stdin_registry.hpp"
#include "ssetool/server/server.hpp"

namespace ssetool {

struct CommandServerOptions {
  ServerOptions server;
  std::string program;                // the command, resolved (see find_executable)
  std::vector<std::string> argv;      // the command and its arguments, as given
  EndpointOptions endpoint;           // its log, trace and pause_above are set from `server`
  std::size_t max_procs = 64;         // commands running at once; more clients get 503 + Retry-After
  bool pass_auth = false;             // Authorization and access_token reach the command's environment
  bool env_clear = false;             // the command gets only PATH and the request's variables
  bool pty = false;                   // the command's stdout on a pseudo-terminal
  bool stdin_endpoint = false;        // first event `endpoint`; a POST there writes the command's stdin
  std::size_t max_body = 1 << 20;     // largest POST body a stdin endpoint accepts (more: 413)
  std::size_t stdin_buffer = 4 << 20;  // bytes that may wait for one command's stdin (more: 503)
  std::vector<int> stop_signals;      // stop on these (blocked in every thread: block_signals)
};

// The URL path prefix of the stdin endpoints: PREFIX + session id.
inline constexpr const char* kStdinPrefix = "/stdin/";

class CommandServer {
 public:
  // Builds the server (throws what Server's constructor throws). Call block_signals first when stop_signals are
  // given: the server's threads start in start().
  explicit CommandServer(CommandServerOptions options);

  // Binds and starts accepting; writes the port file. Throws SystemError (busy port...) or InvalidArgument.
  void start();
  // Where it listens: between start() and the end of run().
  std::string url() const { return server_->url(); }
  int port() const { return server_->port(); }

  // Runs the loop until the server has stopped, then cuts the streams left and kills what still runs. Once.
  void run();
  // Thread-safe: a graceful stop, as a stop signal does.
  void stop();

 private:
  struct Pending;  // a child started for a request whose stream has not opened yet

  // Worker threads.
  Reply handle(const Request& req);
  Reply start_stream(const Request& req);
  Reply post_stdin(const Request& req);
  bool is_stream_path(const std::string& path) const;
  // The stream's loop (the session's and its endpoint's).
  void open_stream(Session& session, Pending& pending);
  void endpoint_done(const std::string& id);
  // The server's loop.
  void stop_serving();
  void shutdown_server();
  // The caller's thread, after the loop has run: every endpoint left is dropped on its loop (killed and reaped).
  void drop_endpoints();
  void log(const std::string& line) const;
  void trace(const std::string& line) const;

  CommandServerOptions options_;
  std::vector<std::string> environment_;  // ours, read once at start-up
  // Declared before the loop: a request still in the loop's queue at exit holds a slot until the loop goes.
  std::unique_ptr<ProcessSlots> slots_;
  std::unique_ptr<StdinRegistry> registry_;
  Loop loop_;
  EndpointTable endpoints_;  // after the loop: its entries hold slots and live on the loops
  std::unique_ptr<Server> server_;
  std::atomic<bool> stopping_{false};
  bool server_stopping_ = false;  // the server's loop only
};

}  // namespace ssetool
