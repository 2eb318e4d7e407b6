// `ssetool listen URL`: an EventSource for the shell. The flags become a library Listener
// (lib/include/ssetool/client/listener.hpp: the Client, the output forms, the tape, -n and --until) that writes to
// stdout (StdoutSink: unbuffered, EPIPE = stop quietly); SIGINT, SIGTERM and --timeout stop it through a
// StopWatcher (client/stop_watcher.hpp: the loop's signalfd, on a thread of its own). Exit codes: see
// kExitTimeout below and man/ssetool-listen.1.
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "command.hpp"
#include "flag_values.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"
#include "ssetool/client/client.hpp"
#include "ssetool/client/expectations.hpp"
#include "ssetool/client/failure_message.hpp"
#include "ssetool/client/jq_filter.hpp"
#include "ssetool/client/json_schema.hpp"
#include "ssetool/client/listener.hpp"
#include "ssetool/client/resume_file.hpp"
#include "ssetool/client/stop_watcher.hpp"
#include "ssetool/client/url.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/wire/tape.hpp"

namespace ssetool::cli {
namespace {

using std::chrono::milliseconds;

// Exit codes of listen beyond the shared ones (documented in man/ssetool-listen.1).
constexpr int kExitTimeout = 124;            // --timeout passed, as timeout(1) does
constexpr int kExitSignalBase = 128;         // 128 + SIGINT = 130, 128 + SIGTERM = 143
constexpr auto kStopGrace = std::chrono::seconds(2);  // after a signal or --timeout, the run must end within this

// ---- flags ----

struct ListenFlags {
  std::string url;
  std::string output = "data";
  std::vector<std::string> headers;
  std::string method;
  std::optional<std::string> data;
  std::string last_event_id;
  std::string token;
  bool insecure = false;
  bool location_trusted = false;
  std::string connect_timeout = "10s";
  std::string idle_timeout = "0";
  std::string retry = "3s";
  bool no_reconnect = false;
  std::string max_reconnects;
  std::string max_failures = "10";
  std::string max_events;
  std::string until;
  std::string timeout;
  std::string record;
  bool record_bytes = false;
  bool verbose = false;
  bool quiet = false;
  std::string jq;
  std::string schema;
  bool fail_fast = false;
  std::vector<std::string> expect;
  std::string resume_file;
};

void add_flags(CLI::App& sub, ListenFlags& f) {
  sub.add_option("URL", f.url, "The event stream: http://HOST[:PORT]/PATH or https://...")->required()->type_name("URL");
  sub.add_option("-o,--output", f.output,
                 "What to print per event: data (its data and a newline), json (one object per line: event, data, "
                 "id, retry), ndjson (JSON Lines with the receive time, safe for every line reader), raw (the "
                 "bytes as received), sse (normalized text/event-stream)")
      ->check(CLI::IsMember({"data", "json", "ndjson", "raw", "sse"}))
      ->type_name("FORMAT")
      ->capture_default_str();
  sub.add_option("-H,--header", f.headers, "Request header 'Name: value' (repeatable)")
      ->type_name("'NAME: VALUE'")
      ->group("Request");
  sub.add_option("-X,--request", f.method, "Request method (default GET, or POST with -d)")
      ->type_name("METHOD")
      ->group("Request");
  sub.add_option("-d,--data", f.data, "Request body; @FILE reads it from FILE, @- from stdin (implies POST; Content-Type defaults to application/json)")
      ->type_name("DATA|@FILE")
      ->group("Request");
  CLI::Option* last_id =
      sub.add_option("--last-event-id", f.last_event_id, "Send Last-Event-ID: ID on the first connection already")
          ->type_name("ID")
          ->group("Request");
  sub.add_option("--resume-file", f.resume_file,
                 "Keep the last event id in FILE across runs: start from the id it holds, store each new one "
                 "(atomically)")
      ->type_name("FILE")
      ->excludes(last_id)
      ->group("Request");
  sub.add_option("--token", f.token,
                 "Send 'Authorization: Bearer TOKEN' (unless -H sets Authorization)")
      ->envname("SSETOOL_TOKEN")
      ->type_name("TOKEN")
      ->group("Request");
  sub.add_flag("-k,--insecure", f.insecure, "Accept any TLS certificate (self-signed, wrong host)")->group("Request");
  sub.add_flag("--location-trusted", f.location_trusted,
               "Send -H headers and --token also to another origin (scheme, host, port) that a redirect leads "
               "to; by default they go only to the origin of URL")
      ->group("Request");
  sub.add_option("--connect-timeout", f.connect_timeout, "Give up a connection attempt after DURATION")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group("Request");
  sub.add_option("--idle-timeout", f.idle_timeout,
                 "Count a stream silent for DURATION as dropped and reconnect (0: wait forever)")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group("Request");
  sub.add_option("--retry", f.retry,
                 "Reconnection delay until the server sends 'retry:'; never less than 100ms, and doubled (with "
                 "jitter, up to 30s) after each failed attempt in a row")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group("Reconnection");
  sub.add_flag("--no-reconnect", f.no_reconnect, "Exit at the end of the stream instead of reconnecting")
      ->group("Reconnection");
  sub.add_option("--max-reconnects", f.max_reconnects, "Reconnect at most N times in the whole run")
      ->type_name("N")
      ->group("Reconnection");
  sub.add_option("--max-failures", f.max_failures,
                 "Give up (exit 1) after N attempts in a row that got no event stream (0: never give up)")
      ->capture_default_str()
      ->type_name("N")
      ->group("Reconnection");
  sub.add_option("-n,--max-events", f.max_events, "Exit 0 after N events")
      ->type_name("N")
      ->group("Stopping");
  sub.add_option("--until", f.until, "Exit 0 after the first event of type EVENT_TYPE (printed)")
      ->type_name("EVENT_TYPE")
      ->group("Stopping");
  sub.add_option("--timeout", f.timeout, "Exit 124 when the whole run takes longer than DURATION")
      ->type_name("DURATION")
      ->group("Stopping");
  sub.add_option("--jq", f.jq,
                 "Print what jq FILTER makes of each event's data (parsed as JSON): one line per output, strings "
                 "raw; data that is not JSON is reported on stderr and skipped")
      ->type_name("FILTER")
      ->group("Checking");
  CLI::Option* schema =
      sub.add_option("--schema", f.schema,
                     "Check each event's data against the JSON Schema in FILE: a failing event is reported on "
                     "stderr (where and which constraint), not printed, and the exit status is 1")
          ->type_name("FILE")
          ->group("Checking");
  sub.add_flag("--fail-fast", f.fail_fast, "With --schema: exit 1 at the first failing event")
      ->needs(schema)
      ->group("Checking");
  sub.add_option("--expect", f.expect,
                 "Exit 0 as soon as EXPR holds, 1 when the stream ends (or --max-failures) without it, 124 on "
                 "--timeout: count>=N (also >, =, <=, <), event=TYPE, data=TEXT, data~REGEX, and !event=TYPE, "
                 "!data=TEXT, !data~REGEX for none such (repeatable: all must hold). The end of a stream ends the "
                 "run unless --max-reconnects is given")
      ->type_name("EXPR")
      ->group("Checking");
  sub.add_option("--record", f.record, "Also write everything received to FILE as a tape (see ssetool-listen(1))")
      ->type_name("FILE")
      ->group("Recording");
  sub.add_flag("--record-bytes", f.record_bytes,
               "With --record: also record the raw bytes of every read, to replay the exact chunking")
      ->group("Recording");
  CLI::Option* verbose = sub.add_flag("-v,--verbose", f.verbose, "Report the connection's life on stderr");
  sub.add_flag("-q,--quiet", f.quiet, "Print no line per failed attempt (the final error is still printed)")
      ->excludes(verbose);
  sub.footer(
      "Each failed attempt is reported on stderr at once, with the next step ('connect 127.0.0.1:8080: connection "
      "refused; retrying in 3s (attempt 2)'); -q keeps only the final error.\n"
      "Exit status: 0 at the end of the stream (with --no-reconnect or --max-reconnects), after -n or --until, "
      "on HTTP 204, or when stdout is closed, and with --expect when it holds; 1 for another HTTP status, an "
      "--expect that does not hold, an event that failed --schema, a wrong Content-Type, a host name that "
      "does not exist, a failed connection that is not retried, --max-failures attempts in a row without a "
      "stream, or a response head (status line and headers) over 64 KiB; 2 for a usage error; 124 on --timeout; "
      "130 on SIGINT, 143 on SIGTERM.\n"
      "Examples:\n"
      "  ssetool listen http://localhost:8080/events\n"
      "  ssetool listen -o json -n 10 --record run.tape https://api.example.com/stream\n"
      "  ssetool listen --jq .n --expect 'count>=3' --expect event=done --timeout 10s http://localhost:8080/events\n"
      "  ssetool listen -d @request.json -H 'Authorization: Bearer KEY' --until message_stop https://llm/v1/chat");
}

std::pair<std::string, std::string> parse_header(const std::string& text) {
  std::size_t colon = text.find(':');
  std::string name = text.substr(0, colon);
  if (colon == std::string::npos || name.empty() || name.find_first_of(" \t\r\n") != std::string::npos)
    throw InvalidArgument("-H '" + text + "': expected 'Name: value'");
  std::string value = text.substr(colon + 1);
  value.erase(0, value.find_first_not_of(" \t"));
  if (value.find_first_of("\r\n") != std::string::npos) throw InvalidArgument("-H '" + text + "': line break in value");
  return {name, value};
}

std::string read_body(const std::string& data) {
  if (data.empty() || data[0] != '@') return data;
  std::string path = data.substr(1);
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument("-d @" + path + ": cannot read: " + std::strerror(errno));
  std::ostringstream body;
  body << in.rdbuf();
  return body.str();
}

ClientOptions client_options(const ListenFlags& f) {
  ClientOptions o;
  o.url = f.url;
  parse_url(o.url);  // a bad URL is a usage error, before anything starts
  for (const std::string& h : f.headers) o.headers.push_back(parse_header(h));
  bool has_authorization = std::any_of(o.headers.begin(), o.headers.end(), [](const auto& h) {
    return h.first.size() == 13 && strncasecmp(h.first.c_str(), "Authorization", 13) == 0;
  });
  if (f.token.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
    throw InvalidArgument("--token (or $SSETOOL_TOKEN): CR, LF or NUL is not allowed");
  if (!f.token.empty() && !has_authorization) o.headers.emplace_back("Authorization", "Bearer " + f.token);
  if (f.data) o.body = read_body(*f.data);
  o.method = !f.method.empty() ? f.method : o.body ? "POST" : "GET";
  o.last_event_id = f.last_event_id;
  o.verify_tls = !f.insecure;
  o.location_trusted = f.location_trusted;
  o.connect_timeout = std::chrono::duration_cast<milliseconds>(duration_flag("--connect-timeout", f.connect_timeout));
  if (o.connect_timeout.count() <= 0) throw InvalidArgument("--connect-timeout: must be at least 1ms");
  o.idle_timeout = std::chrono::duration_cast<milliseconds>(duration_flag("--idle-timeout", f.idle_timeout));
  o.retry = std::chrono::duration_cast<milliseconds>(duration_flag("--retry", f.retry));
  o.reconnect = !f.no_reconnect;
  if (!f.max_reconnects.empty()) o.max_reconnects = count_flag("--max-reconnects", f.max_reconnects, 0);
  if (std::uint64_t n = count_flag("--max-failures", f.max_failures, 0); n > 0) o.max_failures = n;
  return o;
}

// ---- stdout ----

// Writes straight to descriptor 1, so each event is out before the next is read. A closed reader (EPIPE) is not
// an error: write() then returns false and the run ends quietly.
class StdoutSink {
 public:
  bool write(std::string_view bytes) {
    while (!bytes.empty() && open_) {
      ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EPIPE) {
        open_ = false;
      } else {
        throw SystemError(std::string("cannot write to stdout: ") + std::strerror(errno));
      }
    }
    return open_;
  }

 private:
  bool open_ = true;
};

// ---- the run ----

ListenOptions listen_options(const ListenFlags& f) {
  static const std::map<std::string, ListenFormat> kFormats = {
      {"data", ListenFormat::data}, {"json", ListenFormat::json}, {"ndjson", ListenFormat::ndjson},
      {"raw", ListenFormat::raw},   {"sse", ListenFormat::sse}};
  ListenOptions o;
  o.format = kFormats.at(f.output);
  if (!f.max_events.empty()) o.max_events = count_flag("--max-events", f.max_events, 1);
  o.until = f.until;
  o.record_bytes = f.record_bytes;
  if (f.verbose) o.log = [](const std::string& line) { print_error("listen", line); };
  // With -v the log already says it all, in more lines.
  if (!f.quiet && !f.verbose) o.on_retry = [](const RetryNotice& n) { print_error("listen", retry_line(n)); };
  return o;
}

// What --jq, --schema, --expect and --resume-file build; the Listener uses them through pointers.
struct Checks {
  std::optional<JqFilter> jq;
  std::optional<JsonSchema> schema;
  Expectations expect;
  std::optional<ResumeFile> resume;
};

void build_checks(const ListenFlags& f, Checks& checks) {
  bool transforms = !f.jq.empty() || !f.schema.empty();
  if (transforms && (f.output == "raw" || f.output == "sse"))
    throw InvalidArgument(std::string(f.jq.empty() ? "--schema" : "--jq") + " works with -o data, json or ndjson, not " +
                          f.output);
  if (!f.jq.empty()) {
    try {
      checks.jq.emplace(f.jq);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("--jq '" + f.jq + "': " + e.what());
    }
  }
  if (!f.schema.empty()) {
    try {
      checks.schema.emplace(JsonSchema::load(f.schema));
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string("--schema ") + e.what());
    }
  }
  try {
    checks.expect = Expectations::parse(f.expect);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("--expect ") + e.what());
  }
  if (!f.resume_file.empty()) checks.resume.emplace(f.resume_file);
}

void use_checks(const ListenFlags& f, Checks& checks, ListenOptions& o) {
  o.jq = checks.jq ? &*checks.jq : nullptr;
  o.schema = checks.schema ? &*checks.schema : nullptr;
  o.fail_fast = f.fail_fast;
  o.expect = checks.expect.empty() ? nullptr : &checks.expect;
  o.end_with_stream = !checks.expect.empty() && f.max_reconnects.empty();
  o.resume = checks.resume ? &*checks.resume : nullptr;
  o.on_problem = [](const std::string& line) { print_error("listen", line); };
}

int exit_code(const StopReason& why) {
  return why.kind == StopReason::Kind::deadline ? kExitTimeout : kExitSignalBase + why.signal;
}

// After the client's run ended well: the verdict of --schema and --expect.
int checks_exit_code(const ListenResult& result, const Checks& checks) {
  if (result.failed_fast) {
    print_error("listen", "--fail-fast: an event failed --schema");
    return kExitFailure;
  }
  // An expectation that failed early stays failed; one met for good stays met.
  if (!checks.expect.empty() && checks.expect.at_end() == Expectations::State::failed) {
    print_error("listen", "--expect " + checks.expect.unmet());
    return kExitFailure;
  }
  if (result.schema_failures > 0) {
    print_error("listen", std::to_string(result.schema_failures) + " event(s) failed --schema");
    return kExitFailure;
  }
  return kExitOk;
}

int exit_code(const StopReason& why, const Checks& checks, const ListenResult& result) {
  // --timeout with --expect: the run is judged as at the end of a stream; 124 when it is not met by then.
  bool met = !checks.expect.empty() && checks.expect.at_end() == Expectations::State::met;
  if (why.kind == StopReason::Kind::deadline && met) return checks_exit_code(result, checks);
  return exit_code(why);
}

int exit_code(const ListenResult& result, const Checks& checks, bool quiet) {
  using Reason = ClientResult::Reason;
  if (result.output_closed || result.done || result.expect_failed || result.failed_fast)
    return checks_exit_code(result, checks);
  switch (result.client.reason) {
    case Reason::no_content:
      if (!quiet) print_error("listen", result.client.message);
      return checks_exit_code(result, checks);
    case Reason::stopped:
    case Reason::ended:
      return checks_exit_code(result, checks);
    case Reason::rejected:
    case Reason::failed:
      print_error("listen", failure_message(result.client));
      return kExitFailure;
  }
  return kExitFailure;
}

int run_listen(const ListenFlags& flags) {
  if (flags.record_bytes && flags.record.empty()) throw InvalidArgument("--record-bytes needs --record FILE");
  ClientOptions client = client_options(flags);
  std::optional<milliseconds> timeout;
  if (!flags.timeout.empty())
    timeout = std::chrono::duration_cast<milliseconds>(duration_flag("--timeout", flags.timeout, false));
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);  // a closed stdout shows as EPIPE

  ListenOptions options = listen_options(flags);  // checked before the tape's file is created
  Checks checks;
  build_checks(flags, checks);
  use_checks(flags, checks, options);
  if (checks.resume && !checks.resume->last_id().empty()) client.last_event_id = checks.resume->last_id();
  std::optional<TapeWriter> tape;
  if (!flags.record.empty()) tape.emplace(flags.record);
  options.tape = tape ? &*tape : nullptr;
  StdoutSink out;
  Listener listener(std::move(client), std::move(options),
                    [&out](std::string_view bytes) { return out.write(bytes); });
  ListenResult result;
  std::optional<StopReason> stopped_by;
  block_signals({SIGINT, SIGTERM});  // before the watcher's thread starts: they arrive on its signalfd
  {
    // A run still going kStopGrace after the stop (a name being resolved cannot be interrupted), or a second
    // signal: exit now.
    StopWatcher watcher({.signals = {SIGINT, SIGTERM}, .deadline = timeout, .grace = kStopGrace},
                        [&listener] { listener.stop(); }, [](StopReason why) { ::_exit(exit_code(why)); });
    result = listener.run();
    stopped_by = watcher.reason();
  }
  if (stopped_by) return exit_code(*stopped_by, checks, result);
  return exit_code(result, checks, flags.quiet || flags.verbose);
}

}  // namespace

Runner add_listen_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("listen", "Connect to an SSE endpoint and print or record its events");
  auto flags = std::make_shared<ListenFlags>();
  add_flags(*sub, *flags);
  return [flags] { return run_listen(*flags); };
}

}  // namespace ssetool::cli
