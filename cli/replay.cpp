// `ssetool replay`: recorded streams (SSE text or tapes) served as mock SSE endpoints, with their timing, faults,
// request matching and resume. This file defines the subcommand's flags and help; replay_command.cpp runs it.
#include "command.hpp"
#include "replay_command.hpp"

namespace ssetool::cli {

Runner add_replay_command(CLI::App& app) {
  auto flags = std::make_shared<ReplayFlags>();
  CLI::App* sub = app.add_subcommand("replay", "Serve recorded streams as mock SSE endpoints (timing, faults, routes)");
  sub->footer(
      "A recording is SSE text (each block up to a blank line is one event) or a tape written by\n"
      "'ssetool listen --record' (NDJSON with timings). Every connection gets its own playback; a request with\n"
      "Last-Event-ID (header or ?lastEventId=) continues after that event. Unmatched requests get 404 listing\n"
      "the routes. The timing and fault flags apply to every route; a routes file can set them per route.\n"
      "Examples:\n"
      "  ssetool replay chat.sse --interval 50ms                 # GET or POST /events\n"
      "  ssetool replay -r 'POST /v1/chat/completions=openai.sse' -r 'POST /v1/messages=anthropic.sse'\n"
      "  ssetool replay run.tape --speed 0 --listen :0 --port-file port --journal requests.ndjson --exit-after 1\n"
      "  ssetool replay feed.sse --drop-after 3                  # test a client's reconnect and resume\n"
      "  ssetool replay --routes routes.json --timeout 60s\n"
      "Exit status: 0 after SIGINT/SIGTERM or --exit-after, 1 when --timeout passes first or on a run-time\n"
      "failure (busy port, a failed journal write), 2 on a usage error, including an invalid recording or routes\n"
      "file (reported as FILE:LINE). See ssetool-replay(1); server options: ssetool(1).");
  flags->server.add_to(*sub);
  sub->add_option("file", flags->file, "Recording served at --path to GET and POST")->type_name("FILE");
  sub->add_option("-r,--route", flags->routes, "Serve a recording: 'PATH=FILE' (GET and POST) or 'METHOD PATH=FILE' (repeatable)")
      ->type_name("ROUTE")->group("Routes");
  sub->add_option("--routes", flags->routes_file, "JSON file of routes with match rules, status, headers, timing, faults")
      ->type_name("FILE")->group("Routes");
  sub->add_option("--speed", flags->speed, "Recorded timing scaled: 2 is twice as fast, 0 sends without delays")
      ->type_name("X")->capture_default_str()->group("Timing");
  sub->add_option("--interval", flags->interval, "Time between events that have no recorded time (all of SSE text)")
      ->type_name("DURATION")->capture_default_str()->group("Timing");
  sub->add_option("--first-byte-delay", flags->first_byte_delay, "Wait this long before the first event")
      ->type_name("DURATION")->capture_default_str()->group("Timing");
  sub->add_option("--jitter", flags->jitter, "Delay each event by a further random 0..DURATION")
      ->type_name("DURATION")->capture_default_str()->group("Timing");
  sub->add_option("--seed", flags->seed, "Seed for --jitter and --chunking random (default: random, shown with -v)")
      ->type_name("N")->group("Timing");
  sub->add_flag("--loop", flags->loop, "Start again at the end of the recording, numeric ids continuing upwards")
      ->group("Timing");
  sub->add_option("--chunking", flags->chunking, "How each event is cut into writes: event, line, byte or random")
      ->type_name("HOW")->capture_default_str()->group("Faults");
  sub->add_option("--drop-after", flags->drop_after, "Cut the connection after N events (no final chunk)")
      ->type_name("N")->group("Faults");
  sub->add_option("--stall-after", flags->stall_after, "Send nothing more after N events, not even heartbeats")
      ->type_name("N")->group("Faults");
  sub->add_option("--fail-first", flags->fail_first, "The first N requests of each route fail with --fail-status")
      ->type_name("N")->capture_default_str()->group("Faults");
  sub->add_option("--fail-status", flags->fail_status, "Status of --fail-first failures (503 and 429 add Retry-After: 1)")
      ->type_name("CODE")->capture_default_str()->group("Faults");
  sub->add_option("--journal", flags->journal, "Write one JSON line per request (method, path, headers, body, route, events, end)")
      ->type_name("FILE")->group("CI");
  sub->add_option("--exit-after", flags->exit_after, "Exit 0 once N requests have completed")
      ->type_name("N")->group("CI");
  sub->add_option("--timeout", flags->timeout, "Exit 1 if still running after DURATION")
      ->type_name("DURATION")->group("CI");
  return [flags] { return ReplayCommand(*flags).run(); };
}

}  // namespace ssetool::cli
