// The engine of `ssetool pipe` (see broadcast/broadcast_server.hpp).
#include "ssetool/broadcast/broadcast_server.hpp"

#include <fmt/core.h>

#include <chrono>
#include <csignal>
#include <sys/stat.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/broadcast/replay_request.hpp"
#include "stamp.hpp"
#include "ssetool/server/viewer_page.hpp"

namespace ssetool {
namespace {

bool is_regular_file(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

// With a backplane every event has its entry id; the hub gives none to those without (a gap event).
HubOptions hub_options(const BroadcastOptions& options) {
  HubOptions hub = options.hub;
  if (options.backplane) hub.ids = IdMode::none;
  return hub;
}

}  // namespace

BroadcastServer::BroadcastServer(BroadcastOptions options) : options_(std::move(options)), hub_(hub_options(options_)) {
  options_.server.application_metrics = [this] {
    return ApplicationMetrics{hub_.published(), hub_.history_length(), metrics_text()};
  };
  // pipe reads no request body; one sent anywhere but the stream's path gets 404 before it is read.
  options_.server.body_path = [stream = options_.server.path](const std::string& p) { return p == stream; };
  if (options_.publish.enabled) {
    options_.server.max_body = options_.publish.max_body;
    options_.server.own_auth = [this](const Request& r) { return publish_auth(r); };
  }
  if (options_.backplane) use_backplane(*options_.backplane);
  if (!options_.command.empty()) {
    try {
      command_ = Process::spawn({.argv = options_.command});
    } catch (const SystemError& e) {
      throw InvalidArgument(e.what());
    }
  }
  server_ = std::make_unique<Server>(loop_, options_.server, [this](const Request& r) { return handle(r); });
}

BroadcastServer::~BroadcastServer() = default;

void BroadcastServer::start() {
  if (backplane_) {
    backplane_->connect();
    // the stream's newest entries are this node's history from the start
    for (StreamEntry& entry : backplane_->tail(options_.hub.history, read_after_)) hub_.publish(std::move(entry.event));
  }
  server_->start();
}

BroadcastServer::Outcome BroadcastServer::run() {
  publisher_ = std::make_unique<Publisher>(
      loop_, [this](std::vector<Event>& batch) { publish_batch(batch); }, [this] { input_closed(); });
  if (backplane_)
    backplane_->start_reading(read_after_,
                              {.events = [this](std::vector<Event>& events) { return publisher_->publish_all(events); },
                               .end = [this] { publisher_->close(); },
                               .gap = gap_event});
  if (options_.read_input) start_input();
  if (!options_.stop_signals.empty())
    loop_.watch_signals(options_.stop_signals, [this](int) {
      stopped_by_signal_ = true;
      shut_down(true);
    });
  loop_.run();

  input_cancelled_ = true;
  if (source_) source_->cancel();
  publisher_->cancel();
  if (backplane_) backplane_->stop();
  if (source_) source_->join();
  server_.reset();
  log_losses();
  Outcome outcome{.input_failed = input_fatal_, .stopped_by_signal = stopped_by_signal_};
  if (command_) outcome.command = command_->reap();
  return outcome;
}

// The input (stdin, or the command's stdout) on a thread of its own: into the hub, or appended to the backplane.
void BroadcastServer::start_input() {
  int fd = command_ ? command_->stdout_fd() : options_.input_fd;
  input_is_file_ = !command_ && is_regular_file(fd);
  FdSource::Handlers handlers{.events = [this](std::vector<Event>& events) { return publisher_->publish_all(events); },
                              .error = [this](const InputError& error) {
                                if (error.fatal) input_fatal_ = true;
                                if (options_.on_input_error) options_.on_input_error(error);
                              },
                              .end = [this] { publisher_->close(); }};
  if (backplane_) {
    handlers.events = [this](std::vector<Event>& events) { return append_input(events); };
    handlers.end = [this] { local_input_ended(); };
  }
  source_ = std::make_unique<FdSource>(fd, EventDecoder::create(options_.format, options_.event_type),
                                       options_.input, std::move(handlers));
}

void BroadcastServer::stop() {
  loop_.post([this] { shut_down(false); });
}

Reply BroadcastServer::handle(const Request& req) {
  const std::string& path = options_.server.path;
  if (req.path == path && req.method == "POST" && options_.publish.enabled) return publish_reply(req);
  if (req.path == path) {
    std::uint64_t published = hub_.published();  // the cut-off: nothing published from now on is missed
    std::optional<std::size_t> replay_last;
    try {
      replay_last = requested_replay_last(req);
    } catch (const InvalidArgument& e) {
      return Reply::text(400, fmt::format("bad request: {}\n", e.what()));
    }
    std::optional<Backplane::Backlog> backlog = backplane_backlog(req);
    return Reply::stream([this, published, replay_last, backlog = std::move(backlog)](Session& s) mutable {
      if (backlog) return resume_from_backplane(s, std::move(*backlog));
      open_stream(s, published, replay_last);
    });
  }
  if (req.path == "/" && req.method == "GET") return viewer_reply(path);
  return Reply::text(404, "not found: the event stream is at " + path + "\n");
}

// pipe's own lines of /metrics.
std::string BroadcastServer::metrics_text() const {
  return fmt::format(
      "# HELP ssetool_publish_requests_total HTTP publish requests accepted (202).\n"
      "# TYPE ssetool_publish_requests_total counter\n"
      "ssetool_publish_requests_total {}\n"
      "# HELP ssetool_publish_refused_total HTTP publish requests refused by pipe (400, 415, 503).\n"
      "# TYPE ssetool_publish_refused_total counter\n"
      "ssetool_publish_refused_total {}\n",
      publish_requests_.load(), publish_refused_.load()) +
         (backplane_ ? backplane_->metrics_text() : "");
}

// On the stream's loop (any of them). A new client gets the last N events it asks for (?replay-last=N), else --replay-last's; once the input has ended
// (and the server stays), else every event kept: nothing live will follow.
void BroadcastServer::open_stream(Session& session, std::uint64_t published_before,
                                  std::optional<std::size_t> asked) {
  ++clients_seen_;
  std::size_t replay_last = asked ? *asked : input_closed_ ? options_.hub.history : options_.replay_last;
  fanout_.subscribe(session, session.request().last_event_id(), replay_last, published_before);
  session.on_close([this, s = &session](SessionEnd why) {
    if (why == SessionEnd::aborted && streams_ending_ && s->frames_dropped() > 0) {
      events_cut_ += s->frames_dropped();
      ++clients_cut_;
    }
  });
}

void BroadcastServer::publish_batch(std::vector<Event>& batch, std::vector<std::string>* ids) {
  for (Event& e : batch) {
    if (options_.stamp && !backplane_) stamp(e);
    // validated by the source thread (or the publish request): cannot throw here
    if (auto replaced = hub_.publish(std::move(e))) report_id_replaced(*replaced);
    if (ids) ids->push_back(hub_.last_id());
  }
  if (!waiting_.empty()) admit_waiting();
}

// The first input id that the id rule replaced gets one line (see ssetool-pipe(1), IDS); later ones are silent.
void BroadcastServer::report_id_replaced(const IdReplaced& replaced) {
  if (id_replaced_reported_ || !options_.server.log || options_.server.verbosity == Verbosity::quiet) return;
  id_replaced_reported_ = true;
  std::string sent = replaced.sent.empty() ? "without an id" : "as id " + replaced.sent;
  options_.server.log(fmt::format("input id '{}' {}: sent {} (later ones silently; see IDS in ssetool-pipe(1))",
                                  replaced.given, replaced.why, sent));
}

// On the loop, after the input's last event was published.
// With a backplane: after an end record was read (a publisher's input ended with --on-eof close).
void BroadcastServer::input_closed() {
  input_closed_ = true;
  if (stopping_) end_streams();
  else if (backplane_ || input_fatal_ || !stays_at_end()) shut_down(false);
}

// At the end of the input: stay or close (AtEndOfInput), saying why when the choice was automatic.
bool BroadcastServer::stays_at_end() const {
  if (options_.at_end != AtEndOfInput::automatic) return options_.at_end == AtEndOfInput::stay;
  if (!input_is_file_ && clients_seen_ > 0) return false;
  if (options_.server.log && options_.server.verbosity != Verbosity::quiet)
    options_.server.log(fmt::format("input ended after {} event(s){}; still serving them (Ctrl-C to stop, "
                                    "--on-eof close to exit)",
                                    hub_.published(), input_is_file_ ? " (a file)" : " before any client connected"));
  return true;
}

// Stops reading at once; the streams end once what was read is published (input_closed), or when the input
// thread has not got there within the grace period.
void BroadcastServer::shut_down(bool by_signal) {
  if (stopping_) return;
  stopping_ = true;
  if (by_signal && command_) command_->signal(SIGTERM);
  if (input_closed_) return end_streams();
  input_cancelled_ = true;
  if (source_) source_->cancel();
  // with a backplane, what was read is in Redis already: a client resumes it from any node
  if (backplane_ || !source_) return end_streams();
  input_deadline_ = loop_.add_timer(options_.server.grace, [this] { end_streams(); });
}

void BroadcastServer::end_streams() {
  if (streams_ending_) return;
  streams_ending_ = true;
  loop_.cancel_timer(input_deadline_);
  server_->shutdown([this] { loop_.stop(); });
}

// One line for whatever was read but did not reach every client; a verbose summary of the input.
void BroadcastServer::log_losses() const {
  if (!options_.server.log) return;
  Verbosity verbosity = options_.server.verbosity;
  if (verbosity == Verbosity::verbose && source_) {
    std::string unfinished = source_->unfinished_bytes() == 0
                                 ? ""
                                 : fmt::format(" (an unterminated last line of {} bytes left out)",
                                               source_->unfinished_bytes());
    options_.server.log(fmt::format("input: {} lines read, {} events published{}", source_->lines_read(),
                                    hub_.published(), unfinished));
  }
  if (source_ && source_->unfinished_event() && verbosity != Verbosity::quiet)
    options_.server.log("input: an SSE event had no blank line after it yet when reading ended: left out, "
                        "never published");
  std::size_t unpublished = publisher_->dropped();
  if (verbosity == Verbosity::quiet || (unpublished == 0 && events_cut_ == 0)) return;
  std::string line = "shutdown: not delivered within the grace period:";
  if (events_cut_ > 0) line += fmt::format(" {} queued event(s) to {} client(s)", events_cut_.load(), clients_cut_.load());
  if (events_cut_ > 0 && unpublished > 0) line += ";";
  if (unpublished > 0) line += fmt::format(" {} event(s) read but never published", unpublished);
  options_.server.log(line);
}

}  // namespace ssetool
