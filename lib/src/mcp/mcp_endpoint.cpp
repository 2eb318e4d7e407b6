// --mcp-config entries turned into endpoints (see mcp/mcp_endpoint.hpp).
#include "ssetool/mcp/mcp_endpoint.hpp"

#include "ssetool/base/errors.hpp"
#include "ssetool/sources/process.hpp"

namespace ssetool {
namespace {

// The program an entry runs: a name looked up in the entry's own PATH or `search_path`; a path with a slash as
// is, relative to the entry's cwd when it has one.
std::string config_program(const McpConfigServer& server, const std::string& file, std::string search_path) {
  for (const auto& [name, value] : server.env)
    if (name == "PATH") search_path = value;
  std::string command = server.command;
  if (command.find('/') != std::string::npos && command.front() != '/' && !server.cwd.empty())
    command = server.cwd + "/" + command;
  try {
    return find_executable(command, search_path);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(file + ": server '" + server.name + "': " + e.what());
  }
}

}  // namespace

std::vector<McpEndpoint> config_endpoints(const McpConfig& config, const std::string& file,
                                          const std::string& search_path) {
  std::vector<McpEndpoint> endpoints;
  for (const auto& server : config.servers) {
    McpEndpoint e{.name = server.name,
                  .path = "/" + server.name + "/mcp",
                  .program = config_program(server, file, search_path)};
    e.argv.push_back(server.command);
    e.argv.insert(e.argv.end(), server.args.begin(), server.args.end());
    for (const auto& [name, value] : server.env) e.env.push_back(name + "=" + value);
    e.cwd = server.cwd;
    endpoints.push_back(std::move(e));
  }
  return endpoints;
}

}  // namespace ssetool
