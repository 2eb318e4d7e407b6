// `ssetool replay`: the flags (filled in by replay.cpp) and the run: load every recording and route (any mistake
// stops here, exit 2), start the server, answer requests with ReplayResponder until SIGINT/SIGTERM, --exit-after
// or --timeout, then shut down gracefully.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server_flags.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/replay/journal.hpp"
#include "ssetool/replay/responder.hpp"
#include "ssetool/server/server.hpp"

namespace ssetool::cli {

struct ReplayFlags {
  ServerFlags server;
  std::string file;                 // served at --path for GET and POST
  std::vector<std::string> routes;  // -r 'METHOD PATH=FILE'
  std::string routes_file;          // --routes
  double speed = 1.0;
  std::string interval = "0";
  std::string first_byte_delay = "0";
  std::string jitter = "0";
  std::optional<std::uint64_t> seed;
  bool loop = false;
  std::string chunking = "event";
  std::optional<std::uint64_t> drop_after;
  std::optional<std::uint64_t> stall_after;
  std::uint64_t fail_first = 0;
  int fail_status = 503;
  std::string journal;
  std::optional<std::uint64_t> exit_after;
  std::string timeout;
};

// Exit status when --timeout passes first (documented in ssetool-replay(1)).
inline constexpr int kExitTimeout = 1;

class ReplayCommand {
 public:
  explicit ReplayCommand(const ReplayFlags& flags) : flags_(flags) {}
  int run();

 private:
  Route route_defaults() const;
  std::vector<Route> load_routes(const Route& defaults) const;
  void announce(const std::vector<std::string>& routes) const;
  void request_done();
  void stop(int exit_code);

  const ReplayFlags& flags_;
  ServerOptions options_;
  Loop loop_;
  std::shared_ptr<Journal> journal_;
  std::unique_ptr<ReplayResponder> responder_;
  std::unique_ptr<Server> server_;
  std::uint64_t completed_ = 0;
  bool stopping_ = false;
  int exit_code_ = 0;
};

}  // namespace ssetool::cli
