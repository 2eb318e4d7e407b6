// `ssetool serve -- COMMAND`: every client that connects gets its own run of COMMAND, and what the command
// prints becomes that client's events. This file defines the subcommand's flags; serve_command.cpp runs it.
#include "command.hpp"
#include "serve_command.hpp"

namespace ssetool::cli {

Runner add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* sub = app.add_subcommand("serve", "Run a command per connection; its output is that client's stream");
  sub->footer(
      "The command runs without a shell (use sh -c '...' for one), one per client, with the request in its\n"
      "environment: REQUEST_METHOD, REQUEST_URI, SCRIPT_NAME, PATH_INFO, QUERY_STRING, REMOTE_ADDR, REMOTE_PORT,\n"
      "SERVER_PORT, HTTP_<HEADER>, LAST_EVENT_ID (when resuming) and SSE_SESSION_ID. When the client leaves, the\n"
      "command's stdin is closed and it gets SIGTERM, then SIGKILL after --kill-grace.\n"
      "Examples:\n"
      "  ssetool serve -- tail -n 0 -F /var/log/syslog           # a private tail for every client\n"
      "  ssetool serve --exit-event done -- sh -c 'for i in 1 2 3; do echo $i; sleep 1; done'\n"
      "  ssetool serve -- sh -c 'echo \"hello $REMOTE_ADDR, you asked for $QUERY_STRING\"'\n"
      "  ssetool serve --pty -- python3 progress.py              # line-buffered without changing the program\n"
      "  ssetool serve --stdin-endpoint --event message -- my-stdio-mcp-server   # MCP over HTTP+SSE\n"
      "Exit status: 0 after SIGINT/SIGTERM, 1 on a run-time failure (busy port), 2 on a usage error\n"
      "(including a COMMAND that cannot be found or executed). See ssetool-serve(1); server options: ssetool(1).");
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
  sub->add_option("--max-procs", flags->max_procs, "Commands running at once; more clients get 503 + Retry-After")
      ->type_name("N")->capture_default_str();
  sub->add_flag("--pass-auth", flags->pass_auth,
                "Pass the Authorization header and the access_token parameter to the command (withheld by default)");
  sub->add_flag("--env-clear", flags->env_clear, "The command gets only PATH and the request's variables");
  sub->add_flag("--pty", flags->pty,
                "Run the command with its stdout on a pseudo-terminal, so stdio-buffered programs flush every line");
  sub->add_flag("--stdin-endpoint", flags->stdin_endpoint,
                "First event 'endpoint' names a URL; a POST to it writes the body (+ newline) to the command's stdin");
  sub->add_option("--max-body", flags->max_body, "Largest POST body a stdin endpoint accepts (more: 413)")
      ->type_name("SIZE")->capture_default_str();
  sub->add_option("--stdin-buffer", flags->stdin_buffer,
                  "Bytes that may wait for one command's stdin; a POST that does not fit gets 503 + Retry-After")
      ->type_name("SIZE")->capture_default_str();
  sub->add_option("--max-line", flags->max_line, "Longest output line; a longer one stops that command")
      ->type_name("SIZE")->capture_default_str();
  sub->add_option("command", flags->command, "The command and its arguments (after --)")->type_name("COMMAND");
  return [flags] { return ServeCommand(*flags).run(); };
}

}  // namespace ssetool::cli
