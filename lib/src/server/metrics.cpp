// The /metrics body (see server/metrics.hpp).
#include "ssetool/server/metrics.hpp"

#include <fmt/core.h>

namespace ssetool {

void RefusalCounters::count(int status) {
  std::size_t i = 0;
  while (i < kStatuses.size() && kStatuses[i] != status) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::pair<int, std::uint64_t>> RefusalCounters::snapshot() const {
  std::vector<std::pair<int, std::uint64_t>> out;
  for (std::size_t i = 0; i <= kStatuses.size(); ++i)
    out.emplace_back(i < kStatuses.size() ? kStatuses[i] : 0, counts_[i].load(std::memory_order_relaxed));
  return out;
}

namespace {

// ssetool_loop_clients_connected{loop="K"}: how the streams are spread over the loops.
std::string loop_lines(const ServerStats& stats) {
  std::string text =
      "# HELP ssetool_loop_clients_connected Event streams open now on each stream loop.\n"
      "# TYPE ssetool_loop_clients_connected gauge\n";
  for (std::size_t i = 0; i < stats.loops.size(); ++i)
    text += fmt::format("ssetool_loop_clients_connected{{loop=\"{}\"}} {}\n", i,
                        stats.loops[i].clients.load(std::memory_order_relaxed));
  return text;
}

// One sample per status: ssetool_requests_refused_total{status="413"} 2 (status="other" for the rest).
std::string refusals_text(const RefusalCounters& refused) {
  std::string text =
      "# HELP ssetool_requests_refused_total Requests the server answered itself before the application saw them "
      "(malformed, too large, too slow, unauthorized, over the body budget), by status.\n"
      "# TYPE ssetool_requests_refused_total counter\n";
  for (auto [status, count] : refused.snapshot())
    text += fmt::format("ssetool_requests_refused_total{{status=\"{}\"}} {}\n",
                        status ? std::to_string(status) : "other", count);
  return text;
}

}  // namespace

std::string metrics_text(const ServerStats& stats, const ApplicationMetrics& application) {
  auto metric = [](const char* name, const char* type, const char* help, std::uint64_t value) {
    return fmt::format("# HELP ssetool_{0} {1}\n# TYPE ssetool_{0} {2}\nssetool_{0} {3}\n", name, help, type, value);
  };
  auto v = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  std::uint64_t frames = 0, bytes = 0;
  for (const auto& loop : stats.loops) {
    frames += v(loop.delivered.frames);
    bytes += v(loop.delivered.bytes);
  }
  return metric("clients_connected", "gauge", "Event streams open now.", v(stats.clients_connected)) +
         metric("connections_total", "counter", "TCP connections accepted.", v(stats.connections_total)) +
         metric("events_published_total", "counter", "Events published.", application.events_published) +
         metric("frames_delivered_total", "counter", "Frames written to clients.", frames) +
         metric("bytes_delivered_total", "counter", "Bytes written to event streams.", bytes) +
         metric("clients_dropped_slow_total", "counter", "Clients dropped for falling behind.",
                v(stats.clients_dropped_slow)) +
         metric("replies_waiting", "gauge", "Requests waiting for a reply given later (serve --mcp).",
                v(stats.replies_waiting)) +
         metric("replies_abandoned_total", "counter", "Requests whose client left before their reply was ready.",
                v(stats.replies_abandoned)) +
         metric("history_length", "gauge", "Events kept for Last-Event-ID resume.", application.history_length) +
         metric("stream_loops", "gauge", "Stream loops (--threads).", stats.loops.size()) +
         loop_lines(stats) + refusals_text(stats.refused) + application.more;
}

}  // namespace ssetool
