// `ssetool serve --mcp -- COMMAND` and `serve --mcp-config FILE`: the flags that only the MCP mode has, the serve flags that do not apply to
// it, and running an McpServer until SIGINT/SIGTERM. cli/serve.cpp registers these flags and dispatches here.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "ssetool/server/server_options.hpp"

namespace ssetool::cli {

struct McpFlags {
  bool enabled = false;
  std::string session_timeout = "10m";
  std::string max_sessions = "64";  // text, so that a negative value is refused rather than wrapped
  std::vector<std::string> allow_hosts;
  std::string config;  // --mcp-config FILE (implies --mcp)
  bool stateless = false;
  std::string stateless_pool = "4";
  std::string answer_wait = "5ms";  // --answer-wait: how long an SSE answer's head waits for a lone response

  void add_to(CLI::App& app);
  bool active() const { return enabled || !config.empty(); }
};

// What `serve --mcp` takes from the serve flags.
struct McpCommand {
  std::vector<std::string> command;
  std::string kill_grace;
  std::string max_line;
  std::string stdin_buffer;
  bool env_clear = false;
};

// Runs `serve --mcp`. `app` is serve's sub-app, to refuse its flags that do not apply (usage error, InvalidArgument)
// and to see whether --path was given (default /mcp in this mode).
// Throws InvalidArgument when a flag only --mcp has is given without it.
void refuse_mcp_flags_without_mcp(const CLI::App& app);

int run_serve_mcp(const McpFlags& flags, const McpCommand& command, ServerOptions server, const CLI::App& app);

}  // namespace ssetool::cli
