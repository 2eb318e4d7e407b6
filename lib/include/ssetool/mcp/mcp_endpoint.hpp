// One stdio MCP server of `serve --mcp` and the path it is served at, and how a --mcp-config entry becomes one:
// its program looked up in the entry's own PATH (its "env") or the given one, a relative path with a slash taken
// from the entry's cwd, the command line and environment as the entry says.
#pragma once

#include <string>
#include <vector>

#include "ssetool/mcp/mcp_config.hpp"

namespace ssetool {

// `serve --mcp -- COMMAND` has one, unnamed, at --path; --mcp-config one per NAME, at /NAME/mcp.
struct McpEndpoint {
  std::string name;               // empty for the one of `-- COMMAND`
  std::string path;               // "/mcp", "/NAME/mcp"
  std::string program;            // the command, resolved (see find_executable)
  std::vector<std::string> argv;  // the command and its arguments, as given
  std::vector<std::string> env;   // "NAME=value": added to the child environment (replacing the same NAME)
  std::string cwd;                // the child's working directory; empty: ours
};

// The endpoints of a --mcp-config file (`file` names it in messages), each at /NAME/mcp; `search_path` is the PATH
// used for an entry that sets none. Throws InvalidArgument "FILE: server 'NAME': ..." for a command not found.
std::vector<McpEndpoint> config_endpoints(const McpConfig& config, const std::string& file,
                                          const std::string& search_path);

}  // namespace ssetool
