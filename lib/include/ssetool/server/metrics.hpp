// What GET /metrics shows, in Prometheus' text format: the server's own counters (ServerStats) and the values
// only the application knows (ApplicationMetrics in ServerOptions, such as the hub's published count).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>

#include "ssetool/loop/session.hpp"
#include "ssetool/server/server_options.hpp"

namespace ssetool {

// Counters of a server, written on the loop thread and read by /metrics on worker threads. For display only:
// nothing decides anything from them.
struct ServerStats {
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> clients_connected{0};
  std::atomic<std::uint64_t> clients_dropped_slow{0};
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
