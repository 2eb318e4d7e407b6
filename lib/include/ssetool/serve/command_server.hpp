// `ssetool serve -- COMMAND`: the flags of the subcommand and the object that runs it — a server on the stream
// loop that starts one COMMAND per client (on a worker thread, so a failure can still be answered with 503),
// joins each to the client's stream as a ProcessEndpoint, routes POSTs to a session's stdin endpoint, and on
// SIGINT/SIGTERM lets every child finish (SIGTERM, then SIGKILL after --kill-grace) before the server stops.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server_flags.hpp"
#include "ssetool/serve/endpoint.hpp"
#include "ssetool/serve/process_slots.hpp"
#include "ssetool/serve/stdin_registry.hpp"

namespace ssetool::cli {

struct ServeFlags {
  ServerFlags server;
  std::string format = "lines";
  std::string event;
  bool stderr_events = false;
  std::string exit_event;
  std::string kill_grace = "2s";
  std::size_t max_procs = 64;
  bool pass_auth = false;
  bool env_clear = false;
  bool pty = false;
  bool stdin_endpoint = false;
  std::string max_body = "1MiB";
  std::string stdin_buffer = "4MiB";
  std::string max_line = "16MiB";
  std::vector<std::string> command;
};

// The URL path prefix of the stdin endpoints: PREFIX + session id.
inline constexpr const char* kStdinPrefix = "/stdin/";

class ServeCommand {
 public:
  explicit ServeCommand(const ServeFlags& flags) : flags_(flags) {}
  int run();

 private:
  struct Pending;  // a child started for a request whose stream has not opened yet
  struct Running {
    std::shared_ptr<ProcessEndpoint> endpoint;
    ProcessSlots::Slot slot;
  };

  void validate();
  // Worker threads.
  Reply handle(const Request& req);
  Reply start_stream(const Request& req);
  Reply post_stdin(const Request& req);
  bool is_stream_path(const std::string& path) const;
  // Loop thread.
  void open_stream(Session& session, Pending& pending);
  void write_stdin(const std::string& id, std::string data);
  void endpoint_done(const std::string& id);
  void stop_serving();
  void shutdown_server();
  void log(const std::string& line) const;
  void trace(const std::string& line) const;

  const ServeFlags& flags_;
  ServerOptions options_;
  EndpointOptions endpoint_options_;
  std::string program_;                   // COMMAND resolved in PATH at start-up
  std::vector<std::string> environment_;  // ours, read once at start-up
  std::size_t max_body_ = 0;
  // Declared before the loop: a request still in the loop's queue at exit holds a slot until the loop goes.
  std::unique_ptr<ProcessSlots> slots_;
  std::unique_ptr<StdinRegistry> registry_;
  Loop loop_;
  std::map<std::string, Running> endpoints_;  // loop thread only
  std::unique_ptr<Server> server_;
  std::atomic<bool> stopping_{false};
  bool server_stopping_ = false;
};

}  // namespace ssetool::cli
