// The replies and request checks that every part of McpServer uses (see mcp_replies.hpp).
#include "mcp_replies.hpp"

#include <algorithm>

#include "ssetool/mcp/mcp_server.hpp"
#include "ssetool/mcp/message.hpp"

namespace ssetool::mcp_replies {

// A refusal with a JSON-RPC error body without id, as the transport allows.
Reply refusal(int status, const std::string& why) {
  Reply reply = Reply::text(status, error_response("null", -32000, why) + "\n");
  reply.content_type = "application/json";
  return reply;
}

Reply busy(const std::string& why) {
  Reply reply = refusal(503, why + "; retry later");
  reply.headers.emplace_back("Retry-After", "1");
  return reply;
}

// Which media types an Accept header admits ("type/sub", "type/*", "*/*"); all of them when it is absent.
bool accepts(const Request& req, const std::string& type) {
  auto accept = req.header("Accept");
  if (!accept) return true;
  std::string major = type.substr(0, type.find('/')) + "/*";
  std::string_view rest = *accept;
  while (!rest.empty()) {
    std::string_view item = rest.substr(0, rest.find(','));
    rest.remove_prefix(std::min(rest.size(), item.size() + 1));
    item = item.substr(0, item.find(';'));
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == type || item == major || item == "*/*") return true;
  }
  return false;
}

// The folder of an endpoint's path ("/mcp" → "/", "/NAME/mcp" → "/NAME/"): where the old transport's paths are.
std::string folder_of(const std::string& path) { return path.substr(0, path.rfind('/') + 1); }

bool supported(const std::string& version) {
  const auto& all = supported_protocol_versions();
  return std::find(all.begin(), all.end(), version) != all.end();
}

}  // namespace ssetool::mcp_replies
