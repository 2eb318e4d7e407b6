// `ssetool serve -- COMMAND`: every client that connects gets its own run of COMMAND, and what the command
// prints becomes that client's events. This file defines the subcommand's flags and help, checks them and runs a
// CommandServer until SIGINT/SIGTERM.
#include <fmt/core.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "command.hpp"
#include "flag_values.hpp"
#include "serve_mcp.hpp"
#include "server_flags.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"
#include "ssetool/serve/command_server.hpp"

namespace ssetool::cli {
namespace {

struct ServeFlags {
  ServerFlags server;
  std::string format = "lines";
  std::string event;
  bool stderr_events = false;
  std::string exit_event;
  std::string kill_grace = "2s";
  std::string max_procs = "64";
  bool pass_auth = false;
  bool env_clear = false;
  bool pty = false;
  bool stdin_endpoint = false;
  std::string stdin_buffer = "4MiB";
  bool stdin_buffer_given = false;
  std::string max_line = "16MiB";
  std::vector<std::string> command;
  McpFlags mcp;
};

// How each command's output becomes events.
EndpointOptions endpoint_options(const ServeFlags& flags, std::uint64_t stdin_buffer) {
  EndpointOptions o;
  o.format = parse_input_format(flags.format);
  if (!flags.event.empty()) o.event_type = flags.event;
  o.stderr_events = flags.stderr_events;
  if (!flags.exit_event.empty()) o.exit_event = flags.exit_event;
  o.kill_grace = duration_flag("--kill-grace", flags.kill_grace);
  o.max_line = size_flag("--max-line", flags.max_line, 1);
  o.stdin_limit = stdin_buffer;
  return o;
}

// Every flag checked, COMMAND found in PATH: the command server's options.
CommandServerOptions serve_options(const ServeFlags& flags) {
  CommandServerOptions o;
  o.server = flags.server.options("serve");
  if (flags.command.empty())
    throw InvalidArgument("no command given: ssetool serve [OPTIONS] -- COMMAND [ARGS...]");
  const char* path = std::getenv("PATH");
  o.program = find_executable(flags.command[0], path ? path : "/usr/local/bin:/usr/bin:/bin");
  o.argv = flags.command;
  o.max_procs = count_flag("--max-procs", flags.max_procs, 1);
  check_event_name("--event", flags.event);
  if (!flags.event.empty() && flags.format == "sse")
    throw InvalidArgument("--event: applies to lines and ndjson output (sse output names its own types)");
  check_event_name("--exit-event", flags.exit_event);
  o.max_body = o.server.max_body;  // the server refuses larger bodies before reading them
  o.stdin_buffer = size_flag("--stdin-buffer", flags.stdin_buffer);
  if (flags.stdin_buffer_given && !flags.stdin_endpoint)
    throw InvalidArgument("--stdin-buffer: applies to --stdin-endpoint, which is not given");
  if (flags.stdin_endpoint && o.stdin_buffer < o.max_body + 1)
    throw InvalidArgument("--stdin-buffer: must be larger than --max-body (" + flags.server.max_body + ")");
  const std::string& stream_path = o.server.path;
  if (flags.stdin_endpoint && (stream_path + "/").rfind(kStdinPrefix, 0) == 0)
    throw InvalidArgument("--path '" + stream_path + "': " + kStdinPrefix + " is where the stdin endpoints are");
  o.endpoint = endpoint_options(flags, o.stdin_buffer);
  o.pass_auth = flags.pass_auth;
  o.env_clear = flags.env_clear;
  o.pty = flags.pty;
  o.stdin_endpoint = flags.stdin_endpoint;
  o.stop_signals = {SIGINT, SIGTERM};
  return o;
}

int run_serve(ServeFlags& flags, const CLI::App& sub) {
  flags.stdin_buffer_given = sub.count("--stdin-buffer") > 0;
  if (flags.mcp.active()) {
    // Each MCP session lives on one of the stream loops (--threads), chosen in turn.
    McpCommand command{flags.command, flags.kill_grace, flags.max_line, flags.stdin_buffer, flags.env_clear};
    ServerOptions server_options = flags.server.options("serve");
    return run_serve_mcp(flags.mcp, command, server_options, sub);
  }
  refuse_mcp_flags_without_mcp(sub);
  CommandServerOptions options = serve_options(flags);
  ServerOptions server_options = options.server;

  prepare_server_process();
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);  // a child that closed its stdin shows as EPIPE (children get SIG_DFL)

  CommandServer server(std::move(options));
  server.start();
  announce(server.url(), server_options);
  server.run();
  return kExitOk;
}

}  // namespace

Runner add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* sub = app.add_subcommand("serve", "Run a command per connection; its output is that client's stream");
  sub->footer(
      "The command runs without a shell (use sh -c '...' for one), one per client, with the request in its\n"
      "environment: REQUEST_METHOD, REQUEST_URI, SCRIPT_NAME, PATH_INFO, QUERY_STRING, REMOTE_ADDR, REMOTE_PORT,\n"
      "SERVER_PORT, HTTP_<HEADER>, LAST_EVENT_ID (when resuming) and SSE_SESSION_ID. When the client leaves, the\n"
      "command's stdin is closed and it gets SIGTERM, then SIGKILL after --kill-grace.\n"
      "Examples:\n"
      "  ssetool serve -- tail -n 0 -F app.log                   # a private tail for every client\n"
      "  ssetool serve --exit-event done -- sh -c 'for i in 1 2 3; do echo $i; sleep 1; done'\n"
      "  ssetool serve -- sh -c 'echo \"hello $REMOTE_ADDR, you asked for $QUERY_STRING\"'\n"
      "  ssetool serve --pty -- python3 progress.py              # line-buffered without changing the program\n"
      "  ssetool serve --mcp -- npx -y @modelcontextprotocol/server-everything   # MCP, Streamable HTTP at /mcp\n"
      "  ssetool serve --mcp-config claude_desktop_config.json  # each of its MCP servers at /NAME/mcp\n"
      "  ssetool serve --stdin-endpoint --event message -- my-stdio-mcp-server   # MCP's old HTTP+SSE transport\n"
      "Exit status: 0 after SIGINT/SIGTERM, 1 on a run-time failure (busy port), 2 on a usage error\n"
      "(including a COMMAND that cannot be found or executed). See ssetool-serve(1); server options: ssetool(1).");
  flags->server.max_body = "1MiB";  // serve's default: the largest POST to a stdin endpoint
  flags->server.offers_threads = true;  // a child lives on its stream loop (--mcp: on its session's loop)
  flags->server.add_to(*sub);
  sub->add_option("-f,--format", flags->format, "How stdout becomes events: lines, ndjson or sse (as in pipe)")
      ->type_name("FORMAT")->capture_default_str();
  sub->add_option("-e,--event", flags->event, "Event type for events that carry none (lines and ndjson)")
      ->type_name("NAME");
  sub->add_flag("--stderr-events", flags->stderr_events,
                "The command's stderr lines become events of type 'stderr' (default: logged with the session id)");
  sub->add_option("--exit-event", flags->exit_event,
                  "When the command exits, send an event of this type with its exit status or signal name")
      ->type_name("NAME");
  sub->add_option("--kill-grace", flags->kill_grace, "Time between SIGTERM and SIGKILL when a command is stopped")
      ->type_name("DURATION")->capture_default_str();
  sub->add_option("--max-procs", flags->max_procs, "Commands running at once (>= 1); more clients get 503 + Retry-After")
      ->type_name("N")->capture_default_str();
  sub->add_flag("--pass-auth", flags->pass_auth,
                "Pass the Authorization header and the access_token parameter to the command (withheld by default)");
  sub->add_flag("--env-clear", flags->env_clear, "The command gets only PATH and the request's variables");
  sub->add_flag("--pty", flags->pty,
                "Run the command with its stdout on a pseudo-terminal, so stdio-buffered programs flush every line");
  sub->add_flag("--stdin-endpoint", flags->stdin_endpoint,
                "First event 'endpoint' names a URL; a POST to it writes the body (+ newline) to the command's stdin");
  sub->add_option("--stdin-buffer", flags->stdin_buffer,
                  "Bytes that may wait for one command's stdin; a POST that does not fit gets 503 + Retry-After")
      ->type_name("SIZE")->capture_default_str();
  sub->add_option("--max-line", flags->max_line, "Longest output line; a longer one stops that command")
      ->type_name("SIZE")->capture_default_str();
  flags->mcp.add_to(*sub);
  sub->add_option("command", flags->command, "The command and its arguments (after --)")->type_name("COMMAND");
  return [flags, sub] { return run_serve(*flags, *sub); };
}

}  // namespace ssetool::cli
