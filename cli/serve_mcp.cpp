// `ssetool serve --mcp` (see serve_mcp.hpp).
#include "serve_mcp.hpp"

#include <csignal>
#include <cstdlib>
#include <fmt/core.h>

#include "command.hpp"
#include "flag_values.hpp"
#include "server_flags.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/mcp/mcp_config.hpp"
#include "ssetool/mcp/mcp_server.hpp"
#include "ssetool/sources/process.hpp"

namespace ssetool::cli {
namespace {

// serve's flags that describe events made of output lines or the old transport: none applies to --mcp.
constexpr const char* kNotWithMcp[] = {"--format", "--event", "--stderr-events", "--exit-event", "--pty",
                                       "--stdin-endpoint", "--pass-auth", "--max-procs"};

// The flags only --mcp has.
constexpr const char* kMcpOnly[] = {"--session-timeout", "--max-sessions", "--allow-host", "--stateless",
                                    "--stateless-pool", "--answer-wait"};

std::string search_path() {
  const char* path = std::getenv("PATH");
  return path ? path : "/usr/local/bin:/usr/bin:/bin";
}

// --mcp-config FILE: one endpoint per server, at /NAME/mcp; its warnings printed.
std::vector<McpEndpoint> endpoints_of(const std::string& file) {
  McpConfig config = read_mcp_config(file);
  check_mcp_config_dirs(config, file);
  for (const auto& warning : config.warnings) fmt::print(stderr, "ssetool: serve: warning: {}\n", warning);
  return config_endpoints(config, file, search_path());
}

McpServerOptions mcp_options(const McpFlags& flags, const McpCommand& command, ServerOptions server,
                             const CLI::App& app) {
  for (const char* name : kNotWithMcp)
    if (app.get_option(name)->count() > 0) throw InvalidArgument(std::string(name) + ": does not apply to --mcp");
  McpServerOptions o;
  if (!flags.config.empty()) {
    if (!command.command.empty())
      throw InvalidArgument("--mcp-config: the servers come from the file; give no -- COMMAND with it");
    if (app.get_option("--path")->count() > 0)
      throw InvalidArgument("--path: does not apply to --mcp-config (each server is at /NAME/mcp)");
    o.endpoints = endpoints_of(flags.config);
  } else {
    if (app.get_option("--path")->count() == 0) server.path = "/mcp";
    if (command.command.empty())
      throw InvalidArgument("no command given: ssetool serve --mcp [OPTIONS] -- COMMAND [ARGS...]");
    o.program = find_executable(command.command[0], search_path());
    o.argv = command.command;
  }
  o.server = std::move(server);
  o.env_clear = command.env_clear;
  o.session.kill_grace = duration_flag("--kill-grace", command.kill_grace);
  o.session.max_line = size_flag("--max-line", command.max_line, 1);
  o.session.stdin_limit = size_flag("--stdin-buffer", command.stdin_buffer, 1);
  o.session_timeout = duration_flag("--session-timeout", flags.session_timeout, false);
  o.session.hold_head = duration_flag("--answer-wait", flags.answer_wait);
  o.max_sessions = count_flag("--max-sessions", flags.max_sessions, 1);
  for (const auto& host : flags.allow_hosts)
    if (host.empty() || host.find_first_of(" \t\r\n/,") != std::string::npos)
      throw InvalidArgument("--allow-host '" + host + "': expected a host name (example.com, 10.0.0.5, [::1])");
  o.allow_hosts = flags.allow_hosts;
  o.stateless = flags.stateless;
  o.pool.children = count_flag("--stateless-pool", flags.stateless_pool, 1);
  o.stop_signals = {SIGINT, SIGTERM};
  return o;
}

}  // namespace

void McpFlags::add_to(CLI::App& app) {
  const char* group = "MCP (--mcp)";
  app.add_flag("--mcp", enabled,
               "Serve COMMAND, a stdio MCP server, over MCP's Streamable HTTP transport (and the old HTTP+SSE one at "
               "/sse): one COMMAND per session, living with its streams on one of the --threads loops")
      ->group(group);
  app.add_option("--session-timeout", session_timeout,
                 "End an MCP session (and stop its COMMAND) after this long without a request or open stream")
      ->type_name("DURATION")->capture_default_str()->group(group);
  app.add_option("--max-sessions", max_sessions, "MCP sessions at once; more initialize requests get 503")
      ->type_name("N")->capture_default_str()->group(group);
  app.add_option("--mcp-config", config,
                 "Serve every server of this MCP client config file ({\"mcpServers\": {NAME: {command, args, env, "
                 "cwd}}}), each at /NAME/mcp; GET / lists them (implies --mcp)")
      ->type_name("FILE")->group(group);
  app.add_option("--allow-host", allow_hosts,
                 "Also accept this Host (and Origin host) on a loopback address (repeatable; DNS-rebinding guard)")
      ->type_name("HOST")->group(group);
  app.add_flag("--stateless", stateless,
               "Serve every request statelessly (MCP 2026-07-28 style: no sessions, POST only) from the pool of "
               "initialised children; without it only requests whose _meta names 2026-07-28 are")
      ->group(group);
  app.add_option("--answer-wait", answer_wait,
                 "How long the head of a POST answered as SSE waits for the command: a response alone within it "
                 "goes as one body; else (or on progress) the stream opens then. 0: open at once")
      ->type_name("DURATION")->capture_default_str()->group(group);
  app.add_option("--stateless-pool", stateless_pool,
                 "Children per server that serve stateless requests, each up to 16 at once; beyond that: 503 + "
                 "Retry-After")
      ->type_name("N")->capture_default_str()->group(group);
}

void refuse_mcp_flags_without_mcp(const CLI::App& app) {
  for (const char* name : kMcpOnly)
    if (app.get_option(name)->count() > 0) throw InvalidArgument(std::string(name) + ": applies to --mcp, which is not given");
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
  if (flags.config.empty()) {
    announce(mcp.url(), server_options);
  } else if (server_options.verbosity != Verbosity::quiet) {
    fmt::print(stderr, "ssetool: serving {} (MCP servers listed at /)\n", mcp.url());
    for (const auto& name : mcp.endpoint_names()) fmt::print(stderr, "ssetool: serve:   {}: /{}/mcp\n", name, name);
  }
  mcp.run();
  return kExitOk;
}

}  // namespace ssetool::cli
