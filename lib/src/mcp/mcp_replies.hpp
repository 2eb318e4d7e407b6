// Private to the mcp part: the replies and request checks shared by the files of McpServer (mcp_server.cpp, its
// stateless path in mcp_server_stateless.cpp, its old HTTP+SSE transport in mcp_server_legacy.cpp).
#pragma once

#include <string>

#include "ssetool/server/reply.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool::mcp_replies {

inline constexpr const char* kSessionHeader = "Mcp-Session-Id";
inline constexpr const char* kVersionHeader = "MCP-Protocol-Version";

// A refusal with a JSON-RPC error body without id, as the transport allows.
Reply refusal(int status, const std::string& why);
// 503 + Retry-After: 1.
Reply busy(const std::string& why);
// Which media types an Accept header admits ("type/sub", "type/*", "*/*"); all of them when it is absent.
bool accepts(const Request& req, const std::string& type);
// The folder of an endpoint's path ("/mcp" → "/", "/NAME/mcp" → "/NAME/"): where the old transport's paths are.
std::string folder_of(const std::string& path);
// Whether a stateful protocol revision is served (supported_protocol_versions()).
bool supported(const std::string& version);

}  // namespace ssetool::mcp_replies
