// `ssetool replay`: recorded streams (SSE text or tapes) served as mock SSE endpoints, with their timing, faults,
// request matching and resume. This file defines the subcommand's flags and help, loads the recordings and routes
// they name (any mistake stops here, exit 2) and runs a ReplayServer until SIGINT/SIGTERM, --exit-after or
// --timeout.
#include <fmt/core.h>

#include <cctype>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "flag_values.hpp"
#include "server_flags.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/client/url.hpp"
#include "ssetool/replay/preset.hpp"
#include "ssetool/replay/record_proxy.hpp"
#include "ssetool/replay/recording_loader.hpp"
#include "ssetool/replay/replay_server.hpp"
#include "ssetool/replay/routes_file.hpp"
#include "ssetool/replay/template.hpp"

namespace ssetool::cli {
namespace {

struct ReplayFlags {
  ServerFlags server;
  std::string file;                 // served at --path for GET and POST
  std::string preset;               // --preset NAME: a provider's stream made for each request
  std::string text;                 // --text TEXT|@FILE: the preset's answer
  std::string ttft = "0";
  double tps = 0;
  bool path_given = false;
  std::vector<std::string> routes;  // -r 'METHOD PATH=FILE'
  std::string routes_file;          // --routes
  double speed = 1.0;
  std::string interval = "0";
  std::string first_byte_delay = "0";
  std::string jitter = "0";
  std::string seed;  // empty: random
  bool loop = false;
  bool templated = false;  // --template
  std::string chunking = "event";
  std::string drop_after;   // empty: never
  std::string stall_after;  // empty: never
  std::string fail_first = "0";
  int fail_status = 503;
  bool fail_status_given = false;
  std::string journal;
  std::vector<std::string> redact;  // --redact NAME: more headers the journal must not show
  std::string exit_after;  // empty: run until stopped
  std::string timeout;
  bool control = false;        // --control: the control API under /_ssetool/
  std::string control_token;   // --control-token or SSETOOL_CONTROL_TOKEN
  std::string record_from;  // --record-from URL: unmatched requests go there...
  std::string record;       // --record DIR: ...and are recorded here
  std::string record_max_size = "16MiB";
  std::string record_max_calls = "8";
};

// Exit status when --timeout passes first (documented in ssetool-replay(1)).
constexpr int kExitTimeout = 1;

// An optional count: empty when the flag was not given.
std::optional<std::uint64_t> optional_count(const char* flag, const std::string& text, std::uint64_t min) {
  if (text.empty()) return std::nullopt;
  return count_flag(flag, text, min);
}

Route route_for_file(const Route& defaults, std::vector<std::string> methods, const std::string& path,
                     const std::string& file, std::string origin) {
  Route route = defaults;
  route.origin = std::move(origin);
  route.match.methods = std::move(methods);
  route.match.path = path;
  route.recording = load_recording(file);
  return route;
}

// The timing and faults of the command line: every route starts from them.
Route route_defaults(const ReplayFlags& flags) {
  Route d;
  if (!(flags.speed >= 0) || !std::isfinite(flags.speed))
    throw InvalidArgument(
        fmt::format("--speed {}: must be a number >= 0 (2: twice as fast, 0: no delays)", flags.speed));
  if (flags.fail_status < 100 || flags.fail_status > 599)
    throw InvalidArgument(fmt::format("--fail-status {}: must be an HTTP status from 100 to 599", flags.fail_status));
  d.playback.speed = flags.speed;
  d.playback.interval = duration_flag("--interval", flags.interval);
  d.playback.first_byte_delay = duration_flag("--first-byte-delay", flags.first_byte_delay);
  if (!flags.jitter.ends_with('%')) d.playback.jitter = duration_flag("--jitter", flags.jitter);
  d.playback.loop = flags.loop;
  d.templated = flags.templated;
  try {
    d.playback.chunking = parse_chunking(flags.chunking);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("--chunking ") + e.what());
  }
  d.playback.drop_after = optional_count("--drop-after", flags.drop_after, 0);
  d.playback.stall_after = optional_count("--stall-after", flags.stall_after, 0);
  d.fail_first = count_flag("--fail-first", flags.fail_first);
  if (flags.fail_status_given && d.fail_first == 0 && flags.routes_file.empty())
    throw InvalidArgument("--fail-status: applies to --fail-first, which is not given");
  d.fail_status = flags.fail_status;
  return d;
}

// The flags that only --preset reads are refused without it.
void check_no_preset_flags(const ReplayFlags& flags, const CLI::App& sub) {
  for (const char* flag : {"--text", "--ttft", "--tps"})
    if (sub.count(flag) > 0) throw InvalidArgument(std::string(flag) + ": applies to --preset, which is not given");
  if (flags.jitter.ends_with('%'))
    throw InvalidArgument("--jitter " + flags.jitter +
                          ": a percentage varies --preset's token timing; give a DURATION for recordings");
}

Preset preset_from_flags(const ReplayFlags& flags) {
  Preset p;
  try {
    p.kind = parse_preset_kind(flags.preset);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("--preset ") + e.what());
  }
  if (flags.text.empty()) throw InvalidArgument("--preset: give the answer with --text TEXT or --text @FILE");
  try {
    p.text = flags.text.starts_with('@') ? read_text_file(flags.text.substr(1)) : flags.text;
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("--text ") + e.what());
  }
  p.ttft = duration_flag("--ttft", flags.ttft);
  if (!(flags.tps >= 0) || !std::isfinite(flags.tps))
    throw InvalidArgument(fmt::format("--tps {}: must be a number of tokens per second >= 0 (0: no wait)", flags.tps));
  p.tps = flags.tps;
  if (flags.jitter.ends_with('%')) {
    try {
      p.jitter = parse_percentage(flags.jitter);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string("--jitter ") + e.what());
    }
  }
  return p;
}

// --template: every placeholder of the command line's routes is one replay knows.
void check_templates(const std::vector<Route>& routes) {
  for (const Route& route : routes) {
    try {
      if (route.recording) check_recording_template(*route.recording);
      if (route.preset) check_template(route.preset->text);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("--template: " + route.origin + ": " + e.what());
    }
  }
}

// --preset NAME: POST at the preset's usual path, or at --path when given.
Route preset_route(const ReplayFlags& flags, const std::string& path, const Route& defaults) {
  Route route = defaults;
  auto preset = std::make_shared<const Preset>(preset_from_flags(flags));
  route.origin = "--preset " + flags.preset;
  route.match.methods = {"POST"};
  route.match.path = flags.path_given ? path : std::string(default_path(preset->kind));
  route.preset = std::move(preset);
  return route;
}

// --record DIR: the routes of what DIR holds already (DIR/routes.json), when it exists.
std::string recorded_routes(const ReplayFlags& flags) {
  if (flags.record.empty()) return {};
  std::string path = flags.record + "/" + kRecordRoutesFile;
  return std::filesystem::exists(path) ? path : std::string();
}

// --record-from URL --record DIR: the recording proxy's options; nullopt without them.
std::optional<RecordProxyOptions> record_options(const ReplayFlags& flags, const ServerOptions& server) {
  if (flags.record_from.empty() != flags.record.empty())
    throw InvalidArgument(flags.record.empty() ? "--record-from: give the directory to record into with --record DIR"
                                               : "--record: give the upstream to record from with --record-from URL");
  if (flags.record_from.empty()) return std::nullopt;
  try {
    parse_url(flags.record_from);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("--record-from ") + e.what());
  }
  try {
    RecordStore check(flags.record);  // the directory now, and its routes.json: a mistake is a usage error
  } catch (const Error& e) {
    throw InvalidArgument(std::string("--record ") + e.what());
  }
  RecordProxyOptions o;
  o.upstream = flags.record_from;
  o.dir = flags.record;
  o.max_tape = size_flag("--record-max-size", flags.record_max_size, 1);
  o.max_calls = count_flag("--record-max-calls", flags.record_max_calls, 1);
  o.own_token = server.token;
  if (server.verbosity != Verbosity::quiet) o.on_note = [log = server.log](const std::string& line) { log(line); };
  return o;
}

// --preset first, then FILE at --path, then each --route in order, then the routes file's routes.
std::vector<Route> load_routes(const ReplayFlags& flags, const std::string& path, const Route& defaults) {
  std::vector<Route> routes;
  if (!flags.preset.empty()) routes.push_back(preset_route(flags, path, defaults));
  if (!flags.file.empty())
    routes.push_back(route_for_file(defaults, {"GET", "POST"}, path, flags.file, flags.file));
  for (const std::string& text : flags.routes) {
    RouteOption option;
    try {
      option = parse_route_option(text);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string("--route ") + e.what());
    }
    routes.push_back(route_for_file(defaults, option.methods, option.path, option.file, "--route " + text));
  }
  if (flags.templated) check_templates(routes);
  for (const std::string& file : {flags.routes_file, recorded_routes(flags)}) {
    if (file.empty()) continue;
    auto more = load_routes_file(file, defaults);
    routes.insert(routes.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  if (routes.empty() && flags.record_from.empty())
    throw InvalidArgument("nothing to replay: give a FILE, --route PATH=FILE, --routes FILE or --preset NAME");
  return routes;
}

// An HTTP field name: one or more token characters (RFC 9110, 5.1).
bool is_header_name(const std::string& name) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && kSymbols.find(c) == std::string_view::npos) return false;
  return !name.empty();
}

// The server's own token (header and query) is never journaled, nor the --redact headers.
JournalRedaction journal_redaction(const ReplayFlags& flags, const std::string& token) {
  JournalRedaction redaction;
  if (!token.empty() || !flags.record_from.empty()) {
    redaction.headers.insert("authorization");
    redaction.query.insert("access_token");
  }
  for (const std::string& name : flags.redact) {
    if (!is_header_name(name)) throw InvalidArgument("--redact '" + name + "': not a header name");
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    redaction.headers.insert(lower);
  }
  return redaction;
}

std::shared_ptr<Journal> open_journal(const ReplayFlags& flags, const std::string& token) {
  JournalRedaction redaction = journal_redaction(flags, token);
  if (flags.journal.empty()) {
    if (!flags.redact.empty() && !flags.control && flags.record_from.empty())
      throw InvalidArgument("--redact: applies to --journal, which is not given (nor is --control)");
    return nullptr;
  }
  try {
    return std::make_shared<Journal>(flags.journal, std::move(redaction));
  } catch (const SystemError& e) {
    throw InvalidArgument(e.what());
  }
}

// --control's token: required (the control API can change what every client gets), printable ASCII, no spaces.
std::string control_token(const ReplayFlags& flags) {
  if (!flags.control) {
    if (!flags.control_token.empty())
      throw InvalidArgument("--control-token (or SSETOOL_CONTROL_TOKEN): applies to --control, which is not given");
    return "";
  }
  if (flags.control_token.empty())
    throw InvalidArgument("--control: give its token with --control-token TOKEN or SSETOOL_CONTROL_TOKEN");
  for (char c : flags.control_token)
    if (c <= ' ' || c > '~')
      throw InvalidArgument("--control-token: only printable ASCII characters without spaces are allowed");
  return flags.control_token;
}

// "ssetool: serving URL (N routes, the most specific match wins)", then one line per route.
void announce(const std::string& url, const std::vector<std::string>& routes) {
  fmt::print(stderr, "ssetool: serving {} ({} route{}, the most specific match wins)\n", url, routes.size(),
             routes.size() == 1 ? "" : "s");
  for (std::size_t i = 0; i < routes.size(); ++i) fmt::print(stderr, "ssetool: replay:   {}. {}\n", i + 1, routes[i]);
}

// Every flag checked and every file loaded: the replay server's options.
ReplayOptions replay_options(const ReplayFlags& flags) {
  ReplayOptions o;
  o.server = flags.server.options("replay");
  Route defaults = route_defaults(flags);
  if (!flags.timeout.empty()) o.timeout = duration_flag("--timeout", flags.timeout, false);
  o.exit_after = optional_count("--exit-after", flags.exit_after, 1);
  o.record = record_options(flags, o.server);
  o.routes = load_routes(flags, o.server.path, defaults);
  o.journal = open_journal(flags, o.server.token);
  o.control_token = control_token(flags);
  if (flags.control) o.control_redaction = journal_redaction(flags, o.server.token);
  o.seed = flags.seed.empty() ? std::random_device{}() : count_flag("--seed", flags.seed);
  o.stop_signals = {SIGINT, SIGTERM};
  o.on_timeout = [&flags](std::uint64_t completed) {
    print_error("replay", fmt::format("--timeout {} passed with {} request(s) completed{}", flags.timeout, completed,
                                      flags.exit_after.empty() ? "" : " of --exit-after " + flags.exit_after));
  };
  return o;
}

int run_replay(ReplayFlags& flags, const CLI::App& sub) {
  flags.fail_status_given = sub.count("--fail-status") > 0;
  flags.path_given = sub.count("--path") > 0;
  if (flags.preset.empty()) check_no_preset_flags(flags, sub);
  ReplayOptions options = replay_options(flags);
  Verbosity verbosity = options.server.verbosity;
  if (verbosity == Verbosity::verbose)
    options.server.log(fmt::format("seed {} (repeat a run with --seed {})", options.seed, options.seed));
  std::vector<std::string> descriptions;
  for (const Route& r : options.routes) descriptions.push_back(describe_route(r));
  std::shared_ptr<Journal> journal = options.journal;

  prepare_server_process();
  ReplayServer replay(std::move(options));
  replay.start();
  if (verbosity != Verbosity::quiet) announce(replay.url(), descriptions);
  if (verbosity != Verbosity::quiet && !flags.record_from.empty())
    fmt::print(stderr, "ssetool: replay: requests no route matches go to {}; each exchange is saved in {}\n",
               flags.record_from, flags.record);
  ReplayServer::End end = replay.run();
  if (journal && journal->failed()) {
    print_error("replay", "--journal " + flags.journal + ": a write failed (disk full?)");
    return kExitFailure;
  }
  return end == ReplayServer::End::timeout ? kExitTimeout : kExitOk;
}

}  // namespace

Runner add_replay_command(CLI::App& app) {
  auto flags = std::make_shared<ReplayFlags>();
  CLI::App* sub = app.add_subcommand("replay", "Serve recorded streams as mock SSE endpoints (timing, faults, routes)");
  sub->footer(
      "A recording is SSE text (each block up to a blank line is one event) or a tape written by\n"
      "'ssetool listen --record' (NDJSON with timings). Every connection gets its own playback; a request with\n"
      "Last-Event-ID (header or ?lastEventId=) continues after that event. Unmatched requests get 404 listing\n"
      "the routes (with --record-from they go upstream instead, and --record saves each exchange). The timing\n"
      "and fault flags apply to every route; a routes file can set them per route.\n"
      "Examples:\n"
      "  ssetool replay chat.sse --interval 50ms                 # GET or POST /events\n"
      "  ssetool replay -r 'POST /v1/chat/completions=openai.sse' -r 'POST /v1/messages=anthropic.sse'\n"
      "  ssetool replay run.tape --speed 0 --listen :0 --port-file port --journal requests.ndjson --exit-after 1\n"
      "  ssetool replay feed.sse --drop-after 3                  # test a client's reconnect and resume\n"
      "  ssetool replay --routes routes.json --timeout 60s\n"
      "  ssetool replay --record-from https://api.example.com --record tapes/   # then: --routes tapes/routes.json\n"
      "  ssetool replay --preset openai-chat --text 'Hello there!' --ttft 300ms --tps 50 --jitter 20% --seed 1\n"
      "Exit status: 0 after SIGINT/SIGTERM or --exit-after, 1 when --timeout passes first or on a run-time\n"
      "failure (busy port, a failed journal write), 2 on a usage error, including an invalid recording or routes\n"
      "file (reported as FILE:LINE). See ssetool-replay(1); server options: ssetool(1).");
  flags->server.offers_threads = true;  // each stream plays on its own loop (replay/playback)
  flags->server.add_to(*sub);
  sub->add_option("file", flags->file, "Recording served at --path to GET and POST")->type_name("FILE");
  sub->add_option("-r,--route", flags->routes, "Serve a recording: 'PATH=FILE' (GET and POST) or 'METHOD PATH=FILE' (repeatable)")
      ->type_name("ROUTE")->group("Routes");
  sub->add_option("--routes", flags->routes_file, "JSON file of routes with match rules, status, headers, timing, faults")
      ->type_name("FILE")->group("Routes");
  sub->add_option("--preset", flags->preset,
                  "Answer POST at the provider's path with a stream made from --text: openai-chat, openai-responses "
                  "or anthropic-messages")
      ->type_name("NAME")->group("Presets");
  sub->add_option("--text", flags->text, "The preset's answer: TEXT, or @FILE for a file's contents")
      ->type_name("TEXT|@FILE")->group("Presets");
  sub->add_option("--ttft", flags->ttft, "Preset: time to first token")
      ->type_name("DURATION")->capture_default_str()->group("Presets");
  sub->add_option("--tps", flags->tps, "Preset: tokens per second (0: all at once)")
      ->type_name("N")->capture_default_str()->group("Presets");
  sub->add_option("--speed", flags->speed, "Recorded timing scaled: 2 is twice as fast, 0 sends without delays")
      ->type_name("X")->capture_default_str()->group("Timing");
  sub->add_option("--interval", flags->interval, "Time between events that have no recorded time (all of SSE text)")
      ->type_name("DURATION")->capture_default_str()->group("Timing");
  sub->add_option("--first-byte-delay", flags->first_byte_delay, "Wait this long before the first event")
      ->type_name("DURATION")->capture_default_str()->group("Timing");
  sub->add_option("--jitter", flags->jitter,
                  "Delay each event by a further random 0..DURATION; with --preset, N% varies each token's gap by up "
                  "to ±N%")
      ->type_name("DURATION|N%")->capture_default_str()->group("Timing");
  sub->add_option("--seed", flags->seed, "Seed for --jitter, --chunking random and preset ids (default: random, shown with -v)")
      ->type_name("N")->group("Timing");
  sub->add_flag("--template", flags->templated,
                "Fill {{body.PATH}}, {{query.NAME}}, {{header.NAME}}, {{seq}}, {{uuid}}, {{now}} in event data from "
                "each request (JSON-escaped)")
      ->group("Timing");
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
  sub->add_option("--redact", flags->redact,
                  "Journal this request header as [redacted] (repeatable; --token's and, with --record-from, "
                  "Authorization always are)")
      ->type_name("NAME")->group("CI");
  sub->add_flag("--control", flags->control,
                "Control API under /_ssetool/ (journal, reset, push, faults per X-Test-Id; needs --control-token)")
      ->group("CI");
  sub->add_option("--control-token", flags->control_token,
                  "Token the control API requires as 'Authorization: Bearer TOKEN' (prefer the environment variable)")
      ->type_name("TOKEN")->envname("SSETOOL_CONTROL_TOKEN")->group("CI");
  sub->add_option("--record-from", flags->record_from,
                  "Forward requests no route matches to this upstream (http or https) and record them (with --record)")
      ->type_name("URL")->group("Record");
  sub->add_option("--record", flags->record,
                  "Save each forwarded exchange in DIR as a tape plus a route in DIR/routes.json; replay what DIR "
                  "holds already")
      ->type_name("DIR")->group("Record");
  sub->add_option("--record-max-size", flags->record_max_size,
                  "Largest tape (and non-stream body); a larger stream is relayed but not saved")
      ->type_name("SIZE")->capture_default_str()->group("Record");
  sub->add_option("--record-max-calls", flags->record_max_calls,
                  "Upstream calls at once; one more gets 503 with Retry-After: 1")
      ->type_name("N")->capture_default_str()->group("Record");
  sub->add_option("--exit-after", flags->exit_after, "Exit 0 once N requests have completed")
      ->type_name("N")->group("CI");
  sub->add_option("--timeout", flags->timeout, "Exit 1 if still running after DURATION")
      ->type_name("DURATION")->group("CI");
  return [flags, sub] { return run_replay(*flags, *sub); };
}

}  // namespace ssetool::cli
