// `ssetool listen URL`: an EventSource for the shell. It connects with the library Client (which reconnects as
// the spec says), prints each event on stdout in the chosen form, flushed at once, optionally records everything
// to a tape (lib/include/ssetool/tape.hpp), and stops on -n, --until, --timeout, SIGINT/SIGTERM or a closed
// stdout. Exit codes: see kExitTimeout below and man/ssetool-listen.1.
//
// The pieces, top to bottom: flags; StdoutSink (unbuffered writes, EPIPE = stop quietly); FrameNormalizer
// (parser callbacks -> the frames the server effectively sent, for -o sse and the tape); Recorder (the tape);
// StopWatcher (signals and --timeout, on their own thread); ListenSession (the client's callbacks and the stop
// conditions); run_listen (wiring and exit codes).
#include <fcntl.h>
#include <poll.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"
#include "ssetool/client/client.hpp"
#include "ssetool/wire/event.hpp"
#include "ssetool/wire/tape.hpp"
#include "ssetool/wire/utf8.hpp"

namespace ssetool::cli {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;
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
  std::string connect_timeout = "10s";
  std::string idle_timeout = "0";
  std::string retry = "3s";
  bool no_reconnect = false;
  std::optional<std::uint64_t> max_reconnects;
  std::optional<std::uint64_t> max_events;
  std::string until;
  std::string timeout;
  std::string record;
  bool record_bytes = false;
  bool verbose = false;
};

void add_flags(CLI::App& sub, ListenFlags& f) {
  sub.add_option("URL", f.url, "The event stream: http://HOST[:PORT]/PATH or https://...")->required()->type_name("URL");
  sub.add_option("-o,--output", f.output,
                 "What to print per event: data (its data and a newline), json (one object per line: event, data, "
                 "id, retry), raw (the bytes as received), sse (normalized text/event-stream)")
      ->check(CLI::IsMember({"data", "json", "raw", "sse"}))
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
  sub.add_option("--last-event-id", f.last_event_id, "Send Last-Event-ID: ID on the first connection already")
      ->type_name("ID")
      ->group("Request");
  sub.add_option("--token", f.token, "Send 'Authorization: Bearer TOKEN' (unless -H sets Authorization)")->type_name("TOKEN")->group("Request");
  sub.add_flag("-k,--insecure", f.insecure, "Accept any TLS certificate (self-signed, wrong host)")->group("Request");
  sub.add_option("--connect-timeout", f.connect_timeout, "Give up a connection attempt after DURATION")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group("Request");
  sub.add_option("--idle-timeout", f.idle_timeout,
                 "Count a stream silent for DURATION as dropped and reconnect (0: wait forever)")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group("Request");
  sub.add_option("--retry", f.retry, "Reconnection delay until the server sends 'retry:'")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group("Reconnection");
  sub.add_flag("--no-reconnect", f.no_reconnect, "Exit at the end of the stream instead of reconnecting")
      ->group("Reconnection");
  sub.add_option("--max-reconnects", f.max_reconnects, "Reconnect at most N times in the whole run")
      ->type_name("N")
      ->group("Reconnection");
  sub.add_option("-n,--max-events", f.max_events, "Exit 0 after N events")
      ->check(CLI::PositiveNumber)
      ->type_name("N")
      ->group("Stopping");
  sub.add_option("--until", f.until, "Exit 0 after the first event of type EVENT_TYPE (printed)")
      ->type_name("EVENT_TYPE")
      ->group("Stopping");
  sub.add_option("--timeout", f.timeout, "Exit 124 when the whole run takes longer than DURATION")
      ->type_name("DURATION")
      ->group("Stopping");
  sub.add_option("--record", f.record, "Also write everything received to FILE as a tape (see ssetool-listen(1))")
      ->type_name("FILE")
      ->group("Recording");
  sub.add_flag("--record-bytes", f.record_bytes,
               "With --record: also record the raw bytes of every read, to replay the exact chunking")
      ->group("Recording");
  sub.add_flag("-v,--verbose", f.verbose, "Report the connection's life on stderr");
  sub.footer(
      "Exit status: 0 at the end of the stream (with --no-reconnect or --max-reconnects), after -n or --until, "
      "on HTTP 204, or when stdout is closed; 1 for another HTTP status, a wrong Content-Type or a failed "
      "connection that is not retried; 2 for a usage error; 124 on --timeout; 130 on SIGINT, 143 on SIGTERM.\n"
      "Examples:\n"
      "  ssetool listen http://localhost:8080/events\n"
      "  ssetool listen -o json -n 10 --record run.tape https://api.example.com/stream\n"
      "  ssetool listen -d @request.json -H 'Authorization: Bearer KEY' --until message_stop https://llm/v1/chat");
}

milliseconds duration_flag(const char* flag, const std::string& text) {
  try {
    return std::chrono::duration_cast<milliseconds>(parse_duration(text));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(flag) + ": " + e.what());
  }
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
  if (!f.token.empty() && !has_authorization) o.headers.emplace_back("Authorization", "Bearer " + f.token);
  if (f.data) o.body = read_body(*f.data);
  o.method = !f.method.empty() ? f.method : o.body ? "POST" : "GET";
  o.last_event_id = f.last_event_id;
  o.verify_tls = !f.insecure;
  o.connect_timeout = duration_flag("--connect-timeout", f.connect_timeout);
  if (o.connect_timeout.count() <= 0) throw InvalidArgument("--connect-timeout: must be at least 1ms");
  o.idle_timeout = duration_flag("--idle-timeout", f.idle_timeout);
  o.retry = duration_flag("--retry", f.retry);
  o.reconnect = !f.no_reconnect;
  o.max_reconnects = f.max_reconnects;
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
  bool open() const { return open_; }

 private:
  bool open_ = true;
};

// ---- frames ----

// Turns the parser's callbacks back into the frames the server effectively sent: events, comments, and the
// blocks that dispatch nothing but still matter (a lone `id:`, a lone `retry:`). Used for -o sse and the tape.
class FrameNormalizer {
 public:
  using Emit = std::function<void(const Event&)>;
  FrameNormalizer(Emit emit, std::string last_event_id) : emit_(std::move(emit)), known_id_(std::move(last_event_id)) {}

  void event(const ParsedEvent& e) {
    if (pending_retry_ && e.retry == pending_retry_) pending_retry_.reset();  // this block's own retry
    flush(e.id_in_block ? std::nullopt : std::optional<std::string>(e.last_event_id));
    Event frame;
    frame.data = e.data;
    if (e.type != "message") frame.type = e.type;
    if (e.id_in_block) frame.id = e.last_event_id;
    frame.retry = e.retry;
    known_id_ = e.last_event_id;
    emit_(frame);
  }

  void retry(std::uint64_t ms) {
    flush(std::nullopt);
    pending_retry_ = ms;
  }

  void comment(std::string_view text) {
    Event frame;
    frame.has_data = false;
    frame.comments.emplace_back(text.starts_with(' ') ? text.substr(1) : text);
    emit_(frame);
  }

  // At the end of a response: what is still pending, and an id set by a last block without data.
  void end_of_stream(const std::string& last_event_id) { flush(last_event_id); }

 private:
  // Emits a pending lone retry and, when `current_id` differs from the last id seen, a lone id.
  void flush(const std::optional<std::string>& current_id) {
    bool id_changed = current_id && *current_id != known_id_;
    if (!pending_retry_ && !id_changed) return;
    Event frame;
    frame.has_data = false;
    frame.retry = pending_retry_;
    if (id_changed) frame.id = *current_id;
    if (current_id) known_id_ = *current_id;
    pending_retry_.reset();
    emit_(frame);
  }

  Emit emit_;
  std::string known_id_;
  std::optional<std::uint64_t> pending_retry_;
};

// ---- the tape ----

class Recorder {
 public:
  Recorder(const std::string& path, bool with_bytes) : writer_(path), with_bytes_(with_bytes) {}

  void response(const ResponseInfo& info) {
    started_ = Clock::now();
    TapeHeader header{info.status, info.headers, info.method, info.url, info.last_event_id,
                      tape_timestamp(std::chrono::system_clock::now())};
    writer_.header(header);
  }
  void frame(const Event& e) { writer_.event(elapsed(), e); }
  void bytes(std::string_view bytes) {
    if (with_bytes_) writer_.bytes(elapsed(), bytes);
  }
  void end(TapeEnd how) { writer_.end(elapsed(), how); }
  // The body of a rejected response (always recorded: it has no events).
  void rejected_body(const std::string& body) {
    if (!body.empty()) writer_.bytes(elapsed(), body);
    writer_.end(elapsed(), TapeEnd::complete);
  }

 private:
  microseconds elapsed() const { return std::chrono::duration_cast<microseconds>(Clock::now() - started_); }

  TapeWriter writer_;
  bool with_bytes_;
  Clock::time_point started_ = Clock::now();
};

// ---- signals and --timeout ----

volatile std::sig_atomic_t g_signal_pipe = -1;  // the write end of StopWatcher's self-pipe, for the signal handler

extern "C" void on_stop_signal(int signal_number) {
  int saved = errno;
  char byte = static_cast<char>(signal_number);
  if (g_signal_pipe >= 0) (void)::write(g_signal_pipe, &byte, 1);
  errno = saved;
}

// Watches for SIGINT, SIGTERM and the --timeout deadline on its own thread and stops the client when one comes.
// The handlers only write to a pipe. If the run has not ended kStopGrace after the stop (a connect in progress
// cannot be interrupted), or a second signal comes, the process exits at once with the same code.
class StopWatcher {
 public:
  StopWatcher(std::optional<milliseconds> timeout, std::function<void()> stop) : stop_(std::move(stop)) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0 || ::pipe2(done_, O_CLOEXEC) != 0)
      throw SystemError(std::string("pipe: ") + std::strerror(errno));
    signal_read_ = fds[0];
    g_signal_pipe = fds[1];
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
    std::optional<Clock::time_point> deadline;
    if (timeout) deadline = Clock::now() + *timeout;
    thread_ = std::thread([this, deadline] { watch(deadline); });
  }

  ~StopWatcher() {
    char byte = 'd';
    (void)::write(done_[1], &byte, 1);
    thread_.join();
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    int signal_write = g_signal_pipe;
    g_signal_pipe = -1;
    for (int fd : {signal_read_, signal_write, done_[0], done_[1]}) ::close(fd);
  }

  // 0 while nothing stopped the run; else its exit code (124, 130, 143).
  int exit_code() const { return exit_code_.load(); }

 private:
  void watch(std::optional<Clock::time_point> deadline) {
    int code = wait_for_cause(deadline);
    if (code < 0) return;  // the run ended by itself
    exit_code_ = code;
    stop_();
    if (!wait_done(kStopGrace)) ::_exit(code);  // still not done, or a second signal: no more waiting
  }

  // Blocks until a signal (its exit code), the deadline (124) or the end of the run (-1).
  int wait_for_cause(std::optional<Clock::time_point> deadline) {
    for (;;) {
      pollfd fds[2] = {{signal_read_, POLLIN, 0}, {done_[0], POLLIN, 0}};
      int timeout_ms = -1;
      if (deadline) {
        auto left = std::chrono::ceil<milliseconds>(*deadline - Clock::now()).count();
        timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
      }
      int n = ::poll(fds, 2, timeout_ms);
      if (n < 0 && errno == EINTR) continue;
      if (fds[1].revents) return -1;
      if (fds[0].revents) {
        char signal_number = 0;
        if (::read(signal_read_, &signal_number, 1) == 1) return kExitSignalBase + signal_number;
        continue;
      }
      if (n == 0 && deadline) return kExitTimeout;
    }
  }

  bool wait_done(milliseconds grace) {
    auto deadline = Clock::now() + grace;
    for (;;) {
      pollfd fds[2] = {{done_[0], POLLIN, 0}, {signal_read_, POLLIN, 0}};
      auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
      int n = ::poll(fds, 2, static_cast<int>(std::max<long long>(left, 0)));
      if (n < 0 && errno == EINTR) continue;
      if (fds[0].revents) return true;
      if (n == 0 || fds[1].revents) return false;  // grace over, or a second signal
    }
  }

  std::function<void()> stop_;
  int signal_read_ = -1;
  int done_[2] = {-1, -1};
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
  std::atomic<int> exit_code_{0};
  std::thread thread_;
};

// ---- the session ----

// The client's callbacks: printing, recording and the stop conditions -n and --until.
class ListenSession {
 public:
  ListenSession(const ListenFlags& flags, const ClientOptions& options)
      : flags_(flags),
        normalizer_([this](const Event& e) { on_frame(e); }, options.last_event_id),
        client_(options, callbacks()) {
    if (!flags.record.empty()) recorder_.emplace(flags.record, flags.record_bytes);
  }

  ClientResult run() { return client_.run(); }
  void stop() { client_.stop(); }
  bool stdout_closed() const { return !out_.open(); }
  bool done() const { return done_; }
  void record_rejected(const ClientResult& result) {
    if (recorder_ && result.reason == ClientResult::Reason::rejected) recorder_->rejected_body(result.body_start);
    if (recorder_ && result.reason == ClientResult::Reason::no_content) recorder_->end(TapeEnd::complete);
  }

 private:
  ClientCallbacks callbacks() {
    ClientCallbacks c;
    c.on_response = [this](const ResponseInfo& info) {
      if (recorder_) recorder_->response(info);
    };
    c.on_event = [this](ParsedEvent&& e) { on_event(e); };
    c.on_retry = [this](std::uint64_t ms) { normalizer_.retry(ms); };
    c.on_comment = [this](std::string_view text) { normalizer_.comment(text); };
    c.on_bytes = [this](std::string_view bytes) {
      if (recorder_) recorder_->bytes(bytes);
      if (flags_.output == "raw") print(bytes);
    };
    c.on_stream_end = [this](StreamEnd how, const std::string&) {
      normalizer_.end_of_stream(client_.last_event_id());
      if (recorder_)
        recorder_->end(how == StreamEnd::complete  ? TapeEnd::complete
                       : how == StreamEnd::dropped ? TapeEnd::dropped
                                                   : TapeEnd::stopped);
    };
    if (flags_.verbose) c.on_log = [](const std::string& line) { print_error("listen", line); };
    return c;
  }

  void on_event(const ParsedEvent& e) {
    normalizer_.event(e);
    if (flags_.output == "data") print(e.data + "\n");
    if (flags_.output == "json") print(to_json(e) + "\n");
    ++events_;
    if ((flags_.max_events && events_ >= *flags_.max_events) || (!flags_.until.empty() && e.type == flags_.until)) {
      done_ = true;
      client_.stop();
    }
  }

  void on_frame(const Event& frame) {
    if (recorder_) recorder_->frame(frame);
    if (flags_.output == "sse") print(encode(frame));
  }

  static std::string to_json(const ParsedEvent& e) {
    nlohmann::ordered_json line;
    line["event"] = e.type;
    line["data"] = e.data;
    line["id"] = e.last_event_id;
    if (e.retry) line["retry"] = *e.retry;
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  void print(std::string_view bytes) {
    if (!out_.write(bytes)) client_.stop();  // stdout closed: end quietly
  }

  const ListenFlags& flags_;
  StdoutSink out_;
  FrameNormalizer normalizer_;
  std::optional<Recorder> recorder_;
  std::uint64_t events_ = 0;
  bool done_ = false;
  Client client_;
};

// One line for stderr from the start of a body: no line breaks or control characters, at most 200 characters.
std::string body_excerpt(const std::string& body) {
  std::string text = sanitize_utf8(body);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  std::size_t first = text.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  text = text.substr(first, text.find_last_not_of(' ') - first + 1);
  if (text.size() > 200) {
    std::size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    text = text.substr(0, cut) + "...";
  }
  return text;
}

int report_result(const ClientResult& result) {
  using Reason = ClientResult::Reason;
  switch (result.reason) {
    case Reason::stopped:
    case Reason::no_content:
    case Reason::ended:
      return kExitOk;
    case Reason::rejected: {
      std::string excerpt = body_excerpt(result.body_start);
      print_error("listen", result.message + (excerpt.empty() ? "" : ": " + excerpt));
      return kExitFailure;
    }
    case Reason::failed:
      print_error("listen", result.message + (result.reconnects > 0
                                                  ? fmt::format(" (after {} reconnection(s))", result.reconnects)
                                                  : std::string()));
      return kExitFailure;
  }
  return kExitFailure;
}

int run_listen(const ListenFlags& flags) {
  ClientOptions options = client_options(flags);
  std::optional<milliseconds> timeout;
  if (!flags.timeout.empty()) timeout = duration_flag("--timeout", flags.timeout);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);  // a closed stdout shows as EPIPE

  ListenSession session(flags, options);
  ClientResult result;
  int stopped_by = 0;
  {
    StopWatcher watcher(timeout, [&session] { session.stop(); });
    result = session.run();
    stopped_by = watcher.exit_code();
  }
  session.record_rejected(result);
  if (stopped_by != 0) return stopped_by;
  if (session.stdout_closed() || session.done()) return kExitOk;
  return report_result(result);
}

}  // namespace

Runner add_listen_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("listen", "Connect to an SSE endpoint and print or record its events");
  auto flags = std::make_shared<ListenFlags>();
  add_flags(*sub, *flags);
  return [flags] { return run_listen(*flags); };
}

}  // namespace ssetool::cli
