// The server options shared by pipe, serve and replay: their flags (defined once here), their conversion
// into ssetool::ServerOptions, and the common way a server subcommand runs until it is stopped.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "ssetool/loop/loop.hpp"
#include "ssetool/loop/loop_thread.hpp"
#include "ssetool/server/server.hpp"
#include "ssetool/server/server_options.hpp"

namespace ssetool::cli {

struct ServerFlags {
  std::string listen = "127.0.0.1:8080";
  std::string port_file;
  std::string path = "/events";
  std::string heartbeat = "15s";
  std::string retry;
  std::string max_clients;  // empty: derived from the descriptor limit
  std::string client_buffer = "4MiB";
  std::vector<std::string> cors;
  std::string token;
  std::vector<std::string> headers;
  std::string tls_cert, tls_key;
  std::string grace = "2s";
  std::string body_budget;  // empty: the server's default
  std::string max_body = "8MiB";  // set before add_to() for another default (serve: 1MiB)
  bool verbose = false, quiet = false;
  std::string threads;         // empty: default_loop_count()
  bool offers_threads = false;  // set before add_to() for a subcommand whose streams may run on any loop (pipe)

  void add_to(CLI::App& app);
  // Throws InvalidArgument naming the flag (a bad value, or a flag that needs another one).
  ServerOptions options(const std::string& subcommand) const;
};

// Checks an event type given on the command line: InvalidArgument naming `flag` when it holds CR or LF.
void check_event_name(const char* flag, const std::string& name);

// Blocks SIGINT and SIGTERM (call before any thread starts) so that the loop receives them.
void prepare_server_process();

// Prints "ssetool: serving URL (events at PATH)" on stderr unless quiet.
void announce(const std::string& url, const ServerOptions& options);

}  // namespace ssetool::cli
