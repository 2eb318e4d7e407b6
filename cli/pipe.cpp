// `ssetool pipe`: broadcast stdin, or a command's stdout, to every client connected to the event stream.
// This file holds the flags; the engine is BroadcastServer (lib/broadcast).
#include <csignal>
#include <fmt/core.h>
#include <memory>
#include <unistd.h>

#include "command.hpp"
#include "flag_values.hpp"
#include "server_flags.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/broadcast/broadcast_server.hpp"

namespace ssetool::cli {
namespace {

struct PipeFlags {
  ServerFlags server;
  std::string format = "lines";
  std::string event;
  std::string ids = "auto";
  std::string history = "1000";
  std::string replay_last = "0";
  bool stamp = false;
  bool strict = false;
  std::string on_eof = "auto";
  std::string max_line = "16MiB";
  bool publish = false;
  std::string publish_token;
  std::string max_publish = "1MiB";
  std::string backplane;
  std::string channel;
  std::string backplane_wait = "0";
  std::string input = "stdin";
  std::vector<std::string> command;
};

// --backplane and its companions; nullopt without one.
std::optional<BackplaneOptions> backplane_options(const PipeFlags& flags, std::size_t history) {
  if (flags.backplane.empty()) {
    if (!flags.channel.empty()) throw InvalidArgument("--channel: needs --backplane");
    if (flags.backplane_wait != "0") throw InvalidArgument("--backplane-wait: needs --backplane");
    return std::nullopt;
  }
  BackplaneOptions b;
  try {
    b.url = RedisUrl::parse(flags.backplane);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("--backplane ") + e.what());
  }
  b.key = flags.channel.empty() ? "ssetool:" + flags.server.path : flags.channel;
  for (unsigned char c : b.key)
    if (c < 0x20 || c == 0x7f) throw InvalidArgument("--channel: a control character in the name");
  b.max_length = history;
  b.wait = std::chrono::duration_cast<std::chrono::milliseconds>(
      duration_flag("--backplane-wait", flags.backplane_wait));
  return b;
}

// --publish and its token: distinct from the readers' --token.
PublishOptions publish_options(const PipeFlags& flags) {
  PublishOptions p;
  p.enabled = flags.publish;
  p.max_body = size_flag("--max-publish", flags.max_publish, 1);
  if (!flags.publish) {
    if (!flags.publish_token.empty()) throw InvalidArgument("--publish-token: needs --publish");
    return p;
  }
  if (flags.publish_token.empty()) throw InvalidArgument("--publish: needs --publish-token TOKEN");
  if (flags.publish_token == flags.server.token)
    throw InvalidArgument("--publish-token: must differ from --token (readers must not be able to publish)");
  p.token = flags.publish_token;
  return p;
}

// Every flag checked: the broadcast server's options.
BroadcastOptions broadcast_options(const PipeFlags& flags) {
  BroadcastOptions o;
  o.server = flags.server.options("pipe");
  if (flags.ids != "auto" && flags.ids != "none")
    throw InvalidArgument("--id '" + flags.ids + "': expected auto or none");
  if (flags.on_eof != "close" && flags.on_eof != "stay" && flags.on_eof != "auto")
    throw InvalidArgument("--on-eof '" + flags.on_eof + "': expected auto, close or stay");
  o.input.max_line = size_flag("--max-line", flags.max_line, 1);
  o.input.strict = flags.strict;
  o.format = parse_input_format(flags.format);
  check_event_name("--event", flags.event);
  if (!flags.event.empty() && o.format == InputFormat::sse)
    throw InvalidArgument("--event: applies to lines and ndjson input (sse input names its own types)");
  if (!flags.event.empty()) o.event_type = flags.event;
  std::uint64_t history = count_flag("--history", flags.history);
  o.hub = HubOptions{history, flags.ids == "auto" ? IdMode::automatic : IdMode::none};
  o.replay_last = count_flag("--replay-last", flags.replay_last);
  if (o.replay_last > history)
    throw InvalidArgument("--replay-last " + flags.replay_last + ": more than the --history of " + flags.history);
  o.stamp = flags.stamp;
  o.at_end = flags.on_eof == "stay"    ? AtEndOfInput::stay
             : flags.on_eof == "close" ? AtEndOfInput::close
                                       : AtEndOfInput::automatic;
  o.input_fd = STDIN_FILENO;
  o.command = flags.command;
  std::string input_name = flags.command.empty() ? "stdin" : flags.command[0];
  o.on_input_error = [input_name](const InputError& error) {
    std::string column = error.column ? fmt::format(":{}", error.column) : "";
    fmt::print(stderr, "ssetool: pipe: {}:{}{}: {}{}\n", input_name, error.line, column, error.message,
               error.fatal ? "" : " (skipped)");
  };
  o.publish = publish_options(flags);
  o.backplane = backplane_options(flags, history);
  if (flags.input != "stdin" && flags.input != "none")
    throw InvalidArgument("--input '" + flags.input + "': expected stdin or none");
  o.read_input = flags.input == "stdin";
  if (!o.read_input && !flags.command.empty()) throw InvalidArgument("--input none: reads no command either");
  if (!o.read_input && !o.backplane && !o.publish.enabled)
    throw InvalidArgument("--input none: needs --backplane or --publish (else nothing would ever be sent)");
  o.stop_signals = {SIGINT, SIGTERM};
  return o;
}

// Flags that a backplane makes moot or harmful: one warning line each (see BACKPLANE in ssetool-pipe(1)).
void warn_about_backplane(const PipeFlags& flags) {
  if (flags.backplane.empty()) return;
  if (flags.ids == "none")
    fmt::print(stderr, "ssetool: pipe: warning: --id none has no effect with --backplane (an event's id is its Redis "
                       "entry id)\n");
  if (count_flag("--history", flags.history) == 0)
    fmt::print(stderr, "ssetool: pipe: warning: --history 0 with --backplane: every resume gets a gap event; keep "
                       "a --history (new clients get no past events unless --replay-last)\n");
}

// A command ended by a stop signal (ours, or the terminal's Ctrl-C reaching it too), or by exiting with the
// shell's code for one, was stopped: not a failure of its own.
bool stopped_by_us(const ExitStatus& status) {
  int code = status.code();
  return code == 0 || code == 128 + SIGINT || code == 128 + SIGTERM;
}

// The command's code; after a stop signal, 0 unless the command failed on its own (see ssetool-pipe(1)).
int command_exit_code(const BroadcastServer::Outcome& outcome, const std::string& name) {
  int code = outcome.command->code();
  if (outcome.stopped_by_signal && stopped_by_us(*outcome.command)) return kExitOk;
  if (code != 0) fmt::print(stderr, "ssetool: pipe: '{}' ended with {}\n", name, outcome.command->description());
  return code;
}

int run_pipe(const PipeFlags& flags) {
  BroadcastOptions options = broadcast_options(flags);
  warn_about_backplane(flags);
  prepare_server_process();
  BroadcastServer server(options);
  server.start();
  announce(server.url(), options.server);
  BroadcastServer::Outcome outcome = server.run();
  if (outcome.input_failed) return kExitFailure;
  if (outcome.command) return command_exit_code(outcome, flags.command[0]);
  return kExitOk;
}

}  // namespace

Runner add_pipe_command(CLI::App& app) {
  auto flags = std::make_shared<PipeFlags>();
  CLI::App* sub = app.add_subcommand("pipe", "Broadcast stdin or a command's output to every connected client");
  sub->footer(
      "Examples:\n"
      "  vmstat 1 | ssetool pipe                 # then open http://127.0.0.1:8080/\n"
      "  ssetool pipe -- tail -n 20 -F app.log\n"
      "  ssetool pipe -f ndjson --listen :9000 < events.ndjson\n"
      "See ssetool-pipe(1); server options: ssetool(1).");
  flags->server.offers_threads = true;
  flags->server.add_to(*sub);
  sub->add_option("-f,--format", flags->format, "Input format: lines, ndjson or sse")
      ->type_name("FORMAT")->capture_default_str();
  sub->add_option("-e,--event", flags->event, "Event type for every event (lines and ndjson input)")
      ->type_name("NAME");
  sub->add_option("--id", flags->ids,
                  "Event ids: auto (1, 2, 3...) or none; an input's own id is kept unless it would repeat or go back")
      ->capture_default_str()->type_name("auto|none");
  sub->add_option("--history", flags->history, "Events kept for Last-Event-ID resume (0: none)")
      ->type_name("N")->capture_default_str();
  sub->add_option("--replay-last", flags->replay_last, "A new client first gets the last N events (at most --history)")
      ->type_name("N")->capture_default_str();
  sub->add_flag("--stamp", flags->stamp, "Prefix each event's data with '@<send time in epoch microseconds> '");
  sub->add_flag("--strict", flags->strict, "An invalid ndjson/sse input line is fatal (exit 1) instead of skipped");
  sub->add_option("--on-eof", flags->on_eof,
                  "At end of input: close (deliver, end streams, exit), stay (keep serving the history), or auto "
                  "(stay if stdin is a file or no client has connected yet, else close)")
      ->capture_default_str();
  sub->add_option("--max-line", flags->max_line, "Longest input line accepted; a longer one is fatal (exit 1)")
      ->capture_default_str()->type_name("SIZE");
  sub->add_flag("--publish", flags->publish,
                "POST to the stream's path adds events: text/plain (a line each), application/x-ndjson or "
                "application/json (as -f ndjson), text/event-stream; answered 202 {\"ids\":[...]}");
  sub->add_option("--publish-token", flags->publish_token,
                  "Token that --publish requires as 'Authorization: Bearer TOKEN' (not the readers' --token)")
      ->type_name("TOKEN");
  sub->add_option("--max-publish", flags->max_publish, "Largest publish body (413 beyond)")
      ->capture_default_str()->type_name("SIZE");
  sub->add_option("--backplane", flags->backplane,
                  "Share the stream with other pipe nodes through a Redis stream: every node appends what it reads "
                  "and serves every node's events, with the entry ids as SSE ids")
      ->type_name("redis://[:PASSWORD@]HOST[:PORT][/DB]");
  sub->add_option("--channel", flags->channel, "The Redis stream's key (default: ssetool:<--path>)")
      ->type_name("NAME");
  sub->add_option("--backplane-wait", flags->backplane_wait,
                  "At start, keep trying to reach Redis this long (default 0: unreachable is an error, exit 1)")
      ->type_name("DURATION");
  sub->add_option("--input", flags->input, "stdin, or none: read nothing, only serve (with --backplane or --publish)")
      ->capture_default_str()->type_name("stdin|none");
  sub->add_option("command", flags->command, "Command whose stdout is read instead of stdin (after --)");
  return [flags] { return run_pipe(*flags); };
}

}  // namespace ssetool::cli
