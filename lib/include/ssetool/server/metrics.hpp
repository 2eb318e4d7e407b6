// What GET /metrics shows, in Prometheus' text format: the server's own counters (ServerStats) and the values
// only the application knows (ApplicationMetrics in ServerOptions, such as the hub's published count).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "ssetool/loop/session.hpp"
#include "ssetool/server/server_options.hpp"

namespace ssetool {

// Requests the server answered itself before any reached the application (malformed, too large, too slow,
// unauthorized or sent where no body is read, over the body budget), by status code.
class RefusalCounters {
 public:
  static constexpr std::array<int, 7> kStatuses{400, 401, 404, 408, 413, 431, 503};
  void count(int status);
  // (status, count) for every status above, then 0 for any other status.
  std::vector<std::pair<int, std::uint64_t>> snapshot() const;

 private:
  std::array<std::atomic<std::uint64_t>, kStatuses.size() + 1> counts_{};
};

// Counters of a server, written on the loop thread and read by /metrics on worker threads. For display only:
// nothing decides anything from them.
struct ServerStats {
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> clients_connected{0};
  std::atomic<std::uint64_t> clients_dropped_slow{0};
  std::atomic<std::uint64_t> replies_waiting{0};    // connections waiting for a deferred reply (or writing it)
  std::atomic<std::uint64_t> replies_abandoned{0};  // clients that left before their deferred reply came
  RefusalCounters refused;
  // Per stream loop (--threads), the server's own first: each loop writes its own, on a cache line of its own.
  // Sized once, before any worker or loop reads it; /metrics sums them.
  struct alignas(64) PerLoop {
    std::atomic<std::uint64_t> clients{0};  // event streams open now on this loop
    DeliveryCounters delivered;
  };
  std::deque<PerLoop> loops;
};

// The /metrics body: every metric, with its HELP and TYPE lines.
std::string metrics_text(const ServerStats& stats, const ApplicationMetrics& application);

}  // namespace ssetool
