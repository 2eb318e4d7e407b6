// What /metrics shows of `serve --mcp`: sessions open, children alive, requests by JSON-RPC method and errors
// (requests refused or answered with a bridge error). Written on any thread, read by /metrics on a worker.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace ssetool {

class McpMetrics {
 public:
  std::atomic<std::uint64_t> sessions_open{0};
  std::atomic<std::uint64_t> children_alive{0};
  std::atomic<std::uint64_t> errors{0};

  // One more POSTed message of this method ("response" for a response). Methods beyond 64 distinct names, or with
  // characters other than letters, digits, '/', '_', '-' and '.', count as "other".
  void count_request(const std::string& method);
  // The metrics in Prometheus' text format, with HELP and TYPE lines.
  std::string text() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> by_method_;
};

}  // namespace ssetool
