// The --mcp-config file of `serve --mcp`: the format MCP clients (Claude Desktop, editors) already use,
//   {"mcpServers": {"NAME": {"command": "...", "args": ["..."], "env": {"KEY": "value"}, "cwd": "..."}}}
// Each NAME becomes the endpoint /NAME/mcp. Rules: NAME is a safe path segment (letters, digits, '.', '_', '-';
// not "." or ".."); "command" is required; "args" an array of strings, "env" an object of strings, "cwd" a string
// (an existing directory: checked by check_mcp_config_dirs); "type" may only be "stdio"; any other key is ignored
// with a warning (a "url" entry, a remote server, is an error: only stdio servers can be served). No NUL anywhere.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ssetool {

struct McpConfigServer {
  std::string name;
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // in the file's order
  std::string cwd;                                       // empty: ssetool's own
};

struct McpConfig {
  std::vector<McpConfigServer> servers;  // in the file's order
  std::vector<std::string> warnings;     // "FILE: server 'NAME': unknown key 'type' (ignored)"
};

// Parses the text of `file` (named in messages). Throws InvalidArgument "FILE:LINE:COLUMN: what" for bad JSON,
// "FILE: server 'NAME': what" for a bad entry.
McpConfig parse_mcp_config(const std::string& text, const std::string& file);
// Reads and parses `file`; throws InvalidArgument "--mcp-config FILE: reason" when it cannot be read.
McpConfig read_mcp_config(const std::string& file);
// Throws InvalidArgument "FILE: server 'NAME': cwd 'DIR': reason" when a cwd is not a directory we can enter.
void check_mcp_config_dirs(const McpConfig& config, const std::string& file);

}  // namespace ssetool
