// The engine of `ssetool pipe` (see broadcast/broadcast_server.hpp).
#include "ssetool/broadcast/broadcast_server.hpp"

#include <fmt/core.h>

#include <chrono>
#include <csignal>
#include <sys/stat.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/broadcast/replay_request.hpp"
#include "ssetool/server/viewer_page.hpp"

namespace ssetool {
namespace {

// Microseconds since the Unix epoch: the send timestamp of `stamp` ("@<microseconds> " before the data).
std::uint64_t epoch_micros() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

bool is_regular_file(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

BroadcastServer::BroadcastServer(BroadcastOptions options) : options_(std::move(options)), hub_(options_.hub) {
  options_.server.application_metrics = [this] { return ApplicationMetrics{hub_.published(), hub_.history_length()}; };
  // pipe reads no request body; one sent anywhere but the stream's path gets 404 before it is read.
  options_.server.body_path = [stream = options_.server.path](const std::string& p) { return p == stream; };
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

void BroadcastServer::start() { server_->start(); }

BroadcastServer::Outcome BroadcastServer::run() {
  publisher_ = std::make_unique<Publisher>(
      loop_, [this](std::vector<Event>& batch) { publish_batch(batch); }, [this] { input_closed(); });
  int fd = command_ ? command_->stdout_fd() : options_.input_fd;
  input_is_file_ = !command_ && is_regular_file(fd);
  source_ = std::make_unique<FdSource>(
      fd, EventDecoder::create(options_.format, options_.event_type), options_.input,
      FdSource::Handlers{.events = [this](std::vector<Event>& events) { return publisher_->publish_all(events); },
                         .error = [this](const InputError& error) {
                           if (options_.on_input_error) options_.on_input_error(error);
                         },
                         .end = [this] { publisher_->close(); }});
  if (!options_.stop_signals.empty())
    loop_.watch_signals(options_.stop_signals, [this](int) {
      stopped_by_signal_ = true;
      shut_down(true);
    });
  loop_.run();

  source_->cancel();
  publisher_->cancel();
  source_->join();
  server_.reset();
  log_losses();
  Outcome outcome{.input_failed = source_->failed(), .stopped_by_signal = stopped_by_signal_};
  if (command_) outcome.command = command_->reap();
  return outcome;
}

void BroadcastServer::stop() {
  loop_.post([this] { shut_down(false); });
}

Reply BroadcastServer::handle(const Request& req) {
  const std::string& path = options_.server.path;
  if (req.path == path) {
    std::uint64_t published = hub_.published();  // the cut-off: nothing published from now on is missed
    std::optional<std::size_t> replay_last;
    try {
      replay_last = requested_replay_last(req);
    } catch (const InvalidArgument& e) {
      return Reply::text(400, fmt::format("bad request: {}\n", e.what()));
    }
    return Reply::stream([this, published, replay_last](Session& s) { open_stream(s, published, replay_last); });
  }
  if (req.path == "/" && req.method == "GET") return viewer_reply(path);
  return Reply::text(404, "not found: the event stream is at " + path + "\n");
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

void BroadcastServer::publish_batch(std::vector<Event>& batch) {
  for (Event& e : batch) {
    if (options_.stamp) e.data = fmt::format("@{} {}", epoch_micros(), e.data);
    // validated by the source thread: cannot throw here
    if (auto replaced = hub_.publish(std::move(e))) report_id_replaced(*replaced);
  }
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
void BroadcastServer::input_closed() {
  input_closed_ = true;
  if (stopping_) end_streams();
  else if (source_->failed() || !stays_at_end()) shut_down(false);
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
  source_->cancel();
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
  if (verbosity == Verbosity::verbose) {
    std::string unfinished = source_->unfinished_bytes() == 0
                                 ? ""
                                 : fmt::format(" (an unterminated last line of {} bytes left out)",
                                               source_->unfinished_bytes());
    options_.server.log(fmt::format("input: {} lines read, {} events published{}", source_->lines_read(),
                                    hub_.published(), unfinished));
  }
  std::size_t unpublished = publisher_->dropped();
  if (verbosity == Verbosity::quiet || (unpublished == 0 && events_cut_ == 0)) return;
  std::string line = "shutdown: not delivered within the grace period:";
  if (events_cut_ > 0) line += fmt::format(" {} queued event(s) to {} client(s)", events_cut_.load(), clients_cut_.load());
  if (events_cut_ > 0 && unpublished > 0) line += ";";
  if (unpublished > 0) line += fmt::format(" {} event(s) read but never published", unpublished);
  options_.server.log(line);
}

}  // namespace ssetool
