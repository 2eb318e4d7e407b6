// Waiting for the server before a bench run: `pipe ... &` followed at once by `bench` would otherwise start
// every client before the server listens, and the run would end with "all clients failed: connection refused".
//
//   ssetool::SocketAddress address = ssetool::wait_for_server(ssetool::resolve_all(url), {.limit = 10s});
//
// Every address of the host is tried ("localhost" may be ::1 and 127.0.0.1, and the server may listen on only
// one): the first that accepts is the run's. While all of them refuse, they are tried again every
// kServerWaitPoll until the limit; another error (which the run itself will report) ends the wait. Blocks the
// calling thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "ssetool/bench/target.hpp"

namespace ssetool {

inline constexpr auto kServerWaitPoll = std::chrono::milliseconds(100);

struct ServerWaitOptions {
  std::chrono::milliseconds limit{10000};                  // 0: do not wait (return at once)
  std::function<void(const std::string&)> on_waiting = {};  // once, at the first refusal: "waiting for ..."
};

// "HOST:PORT" of an address ("127.0.0.1:8080", "[::1]:8080").
std::string describe_address(const SocketAddress& address);

// The first of `addresses` (not empty) that accepts a connection (closed at once) or fails in another way than a
// refusal; with a limit of 0, the first address at once. Throws SystemError "connect ADDRESS: connection refused
// (waited 10s, see --wait)", naming the first address, when all still refuse at the limit.
SocketAddress wait_for_server(const std::vector<SocketAddress>& addresses, const ServerWaitOptions& options);

}  // namespace ssetool
