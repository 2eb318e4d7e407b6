// The /metrics lines of `serve --mcp` (see mcp/mcp_metrics.hpp).
#include "ssetool/mcp/mcp_metrics.hpp"

#include <cctype>
#include <fmt/core.h>

namespace ssetool {
namespace {

constexpr std::size_t kMaxMethods = 64;

bool plain_name(const std::string& method) {
  if (method.empty() || method.size() > 64) return false;
  for (char c : method)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' && c != '.') return false;
  return true;
}

}  // namespace

void McpMetrics::count_request(const std::string& method) {
  std::lock_guard lock(mutex_);
  std::string name = plain_name(method) ? method : "other";
  if (!by_method_.count(name) && by_method_.size() >= kMaxMethods) name = "other";
  ++by_method_[name];
}

std::string McpMetrics::text() const {
  auto metric = [](const char* name, const char* type, const char* help, std::uint64_t value) {
    return fmt::format("# HELP ssetool_{0} {1}\n# TYPE ssetool_{0} {2}\nssetool_{0} {3}\n", name, help, type, value);
  };
  std::string out = metric("mcp_sessions_open", "gauge", "MCP sessions taking requests.", sessions_open.load()) +
                    metric("mcp_children_alive", "gauge", "MCP server processes not yet reaped.",
                           children_alive.load()) +
                    metric("mcp_errors_total", "counter", "MCP requests refused or failed by the bridge.",
                           errors.load());
  out += "# HELP ssetool_mcp_requests_total JSON-RPC messages POSTed, by method.\n"
         "# TYPE ssetool_mcp_requests_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [method, count] : by_method_)
    out += fmt::format("ssetool_mcp_requests_total{{method=\"{}\"}} {}\n", method, count);
  return out;
}

}  // namespace ssetool
