// `ssetool serve --mcp` (see serve_mcp.hpp).
#include "serve_mcp.hpp"

#include <csignal>
#include <fmt/core.h>
#include <cstdlib>

#include "command.hpp"
#include "server_flags.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"
#include "ssetool/mcp/mcp_server.hpp"
#include "ssetool/sources/process.hpp"

namespace ssetool::cli {
namespace {

// serve's flags that describe events made of output lines or the old transport: none applies to --mcp.
constexpr const char* kNotWithMcp[] = {"--format", "--event", "--stderr-events", "--exit-event", "--pty",
                                       "--stdin-endpoint", "--pass-auth", "--max-procs"};

template <typename T, typename F>
T with_flag(const char* flag, const std::string& value, F parse) {
  try {
    return parse(value);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(flag) + ": " + e.what());
  }
}

McpServerOptions mcp_options(const McpFlags& flags, const McpCommand& command, ServerOptions server,
                             const CLI::App& app) {
  for (const char* name : kNotWithMcp)
    if (app.get_option(name)->count() > 0) throw InvalidArgument(std::string(name) + ": does not apply to --mcp");
  McpServerOptions o;
  if (app.get_option("--path")->count() == 0) server.path = "/mcp";
  o.server = std::move(server);
  if (command.command.empty())
    throw InvalidArgument("no command given: ssetool serve --mcp [OPTIONS] -- COMMAND [ARGS...]");
  const char* path = std::getenv("PATH");
  o.program = find_executable(command.command[0], path ? path : "/usr/local/bin:/usr/bin:/bin");
  o.argv = command.command;
  o.env_clear = command.env_clear;
  o.session.kill_grace = with_flag<std::chrono::microseconds>("--kill-grace", command.kill_grace, parse_duration);
  o.session.max_line = with_flag<std::uint64_t>("--max-line", command.max_line, parse_size);
  o.session.stdin_limit = with_flag<std::uint64_t>("--stdin-buffer", command.stdin_buffer, parse_size);
  o.session_timeout = with_flag<std::chrono::microseconds>("--session-timeout", flags.session_timeout, parse_duration);
  if (o.session_timeout.count() <= 0) throw InvalidArgument("--session-timeout: must be more than 0");
  if (flags.max_sessions < 1)
    throw InvalidArgument(fmt::format("--max-sessions {}: must be at least 1", flags.max_sessions));
  o.max_sessions = static_cast<std::size_t>(flags.max_sessions);
  for (const auto& host : flags.allow_hosts)
    if (host.empty() || host.find_first_of(" \t\r\n/,") != std::string::npos)
      throw InvalidArgument("--allow-host '" + host + "': expected a host name (example.com, 10.0.0.5, [::1])");
  o.allow_hosts = flags.allow_hosts;
  o.stop_signals = {SIGINT, SIGTERM};
  return o;
}

}  // namespace

void McpFlags::add_to(CLI::App& app) {
  const char* group = "MCP (--mcp)";
  app.add_flag("--mcp", enabled,
               "Serve COMMAND, a stdio MCP server, over MCP's Streamable HTTP transport: one COMMAND per session")
      ->group(group);
  app.add_option("--session-timeout", session_timeout,
                 "End an MCP session (and stop its COMMAND) after this long without a request or open stream")
      ->type_name("DURATION")->capture_default_str()->group(group);
  app.add_option("--max-sessions", max_sessions, "MCP sessions at once; more initialize requests get 503")
      ->type_name("N")->capture_default_str()->group(group);
  app.add_option("--allow-host", allow_hosts,
                 "Also accept this Host (and Origin host) on a loopback address (repeatable; DNS-rebinding guard)")
      ->type_name("HOST")->group(group);
}

int run_serve_mcp(const McpFlags& flags, const McpCommand& command, ServerOptions server, const CLI::App& app) {
  McpServerOptions options = mcp_options(flags, command, std::move(server), app);
  ServerOptions server_options = options.server;

  prepare_server_process();
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);  // a child that closed its stdin shows as EPIPE

  McpServer mcp(std::move(options));
  mcp.start();
  announce(mcp.url(), server_options);
  mcp.run();
  return kExitOk;
}

}  // namespace ssetool::cli
