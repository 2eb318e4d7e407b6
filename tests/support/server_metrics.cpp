// Reading an ssetool server's /metrics in tests (see server_metrics.hpp).
#include "server_metrics.hpp"

#include <regex>
#include <thread>

#include "sse_client.hpp"

namespace testsupport {

long metric(int port, const std::string& name) {
  auto response = http_request(port, "GET", "/metrics");
  std::smatch m;
  std::regex line("\nssetool_" + name + " (\\d+)");
  if (!std::regex_search(response.body, m, line)) return -1;
  return std::stol(m[1]);
}

bool await_metric(int port, const std::string& name, long value, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (metric(port, name) == value) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the server's state: no event to wait on
  }
  return false;
}

}  // namespace testsupport
