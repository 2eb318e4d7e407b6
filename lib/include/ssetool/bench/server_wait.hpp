// Waiting for the server before a bench run: `pipe ... &` followed at once by `bench` would otherwise start
// every client before the server listens, and the run would end with "all clients failed: connection refused".
//
//   ssetool::wait_for_server(ssetool::resolve(url), {.limit = 10s, .on_waiting = [](const std::string& line) {...}});
//
// A refused connect is tried again every kServerWaitPoll until the limit; any other outcome (connected, or
// another error, which the run itself will report) ends the wait. Blocks the calling thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "ssetool/bench/target.hpp"

namespace ssetool {

inline constexpr auto kServerWaitPoll = std::chrono::milliseconds(100);

struct ServerWaitOptions {
  std::chrono::milliseconds limit{10000};                  // 0: do not wait (return at once)
  std::function<void(const std::string&)> on_waiting = {};  // once, at the first refusal: "waiting for ..."
};

// "HOST:PORT" of an address ("127.0.0.1:8080", "[::1]:8080").
std::string describe_address(const SocketAddress& address);

// Returns once `address` accepts a connection (closed at once) or fails in another way than a refusal. Throws
// SystemError "connect ADDRESS: connection refused (waited 10s, see --wait)" when still refused at the limit.
void wait_for_server(const SocketAddress& address, const ServerWaitOptions& options);

}  // namespace ssetool
