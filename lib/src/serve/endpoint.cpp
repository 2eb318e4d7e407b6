// One `serve` connection: a session and its child process on the loop (see serve/endpoint.hpp).
#include "ssetool/serve/endpoint.hpp"

#include <csignal>
#include <sys/epoll.h>

#include "ssetool/base/errors.hpp"

namespace ssetool {

ProcessEndpoint::ProcessEndpoint(Loop& loop, Session& session, Process process, std::string id,
                                 EndpointOptions options, Hooks hooks)
    : loop_(loop),
      session_(session.weak_from_this()),
      process_(std::move(process)),
      id_(std::move(id)),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      decoder_(EventDecoder::create(options_.format, options_.event_type)),
      stderr_decoder_(EventDecoder::create(InputFormat::lines, std::string("stderr"))) {}

ProcessEndpoint::~ProcessEndpoint() {
  for (auto timer : {kill_timer_, drain_timer_}) loop_.cancel_timer(timer);
  if (watching_exit_) loop_.unwatch(process_.pidfd());
  // process_'s destructor kills and reaps a child that is still there (only when the loop is being torn down).
}

void ProcessEndpoint::start() {
  std::weak_ptr<ProcessEndpoint> weak = weak_from_this();
  if (auto session = session_.lock()) {
    session->on_close([weak](SessionEnd why) {
      if (auto self = weak.lock()) self->on_session_closed(why);
    });
    session->on_drained(options_.pause_above / 2, [weak] {
      if (auto self = weak.lock()) self->release_backpressure();
    });
  }
  stdout_ = std::make_unique<FdReader>(
      loop_, process_.take_stdout(), options_.max_line, [this](std::string_view line) { on_stdout_line(line); },
      [this](const std::optional<std::string>& error) { on_stdout_end(error); });
  stderr_ = std::make_unique<FdReader>(
      loop_, process_.take_stderr(), options_.max_line, [this](std::string_view line) { on_stderr_line(line); },
      [this](const std::optional<std::string>& error) {
        if (error) log("stderr: " + *error + "; no more stderr is read");
        stderr_ended_ = true;
        maybe_finish();
      });
  stdin_ = std::make_unique<FdWriter>(loop_, process_.take_stdin(), options_.stdin_limit, hooks_.stdin_released,
                                        hooks_.stdin_closed);
  loop_.watch(process_.pidfd(), EPOLLIN, [this](std::uint32_t) { on_child_exit(); });
  watching_exit_ = true;
}

bool ProcessEndpoint::write_stdin(std::string data) { return stdin_ && stdin_->write(std::move(data)); }

void ProcessEndpoint::stop() {
  if (child_exited_ || client_gone_ || torn_down_) return;
  stdin_->close();
  terminate_child();
}

// ---- output ----

void ProcessEndpoint::on_stdout_line(std::string_view line) {
  ++stdout_lines_;
  std::vector<Event> events;
  try {
    decoder_->line(line, events);
  } catch (const InvalidLine& e) {
    log("stdout line " + std::to_string(stdout_lines_) + ", byte " + std::to_string(e.column) + ": " + e.what() +
        " (skipped)");
  } catch (const Error& e) {
    log("stdout line " + std::to_string(stdout_lines_) + ": " + e.what() + " (skipped)");
  }
  send_all(events);
  apply_backpressure();
}

void ProcessEndpoint::on_stdout_end(const std::optional<std::string>& error) {
  std::vector<Event> events;
  decoder_->finish(events);
  send_all(events);
  if (error) {
    log("stdout: " + *error + "; stopping the command");
    terminate_child();
  }
  stdout_ended_ = true;
  maybe_finish();
}

void ProcessEndpoint::on_stderr_line(std::string_view line) {
  if (!options_.stderr_events) {
    log(std::string(line));
    return;
  }
  std::vector<Event> events;
  stderr_decoder_->line(line, events);
  send_all(events);
}

void ProcessEndpoint::send_all(std::vector<Event>& events) {
  auto session = session_.lock();
  if (!session) return;
  for (const Event& e : events) {
    try {
      session->send(e);
    } catch (const InvalidEvent& error) {
      log(std::string("an event could not be sent: ") + error.what() + " (skipped)");
    }
  }
}

// ---- a slow client slows its own child ----

void ProcessEndpoint::apply_backpressure() {
  auto session = session_.lock();
  if (!session || stdout_->paused() || session->queued_bytes() <= options_.pause_above) return;
  stdout_->pause();  // until the session says it has drained (release_backpressure)
}

// The client's queue has drained to half of pause_above: read stdout again (unless it filled up since).
void ProcessEndpoint::release_backpressure() {
  if (client_gone_ || !stdout_->open() || !stdout_->paused()) return;
  auto session = session_.lock();
  if (session && session->queued_bytes() <= options_.pause_above / 2) stdout_->resume();
}

// ---- the child's end ----

void ProcessEndpoint::on_child_exit() {
  loop_.unwatch(process_.pidfd());
  watching_exit_ = false;
  child_exited_ = true;
  exit_status_ = process_.exit_status().value_or(ExitStatus(0));
  loop_.cancel_timer(kill_timer_);
  stdin_->close();
  trace("pid " + std::to_string(process_.pid()) + " ended: " + exit_status_.description());
  if (client_gone_) {
    teardown();
    return;
  }
  if (stdout_ended_ && stderr_ended_) {
    finish();
    return;
  }
  std::weak_ptr<ProcessEndpoint> weak = weak_from_this();
  drain_timer_ = loop_.add_timer(options_.kill_grace, [weak] {
    if (auto self = weak.lock()) self->on_drain_timeout();
  });
}

// The child exited kill_grace ago and its output is still open: something it started holds it, or a slow
// client has kept stdout paused. Kill what is left of the group and take what can be read now, paused or not
// (a pipe's worth at most; a client that cannot take it is dropped as slow), so the stream ends either way.
void ProcessEndpoint::on_drain_timeout() {
  drain_timer_ = 0;
  process_.signal(SIGKILL);
  stderr_->drain_and_end();
  stdout_->drain_and_end();
}

void ProcessEndpoint::maybe_finish() {
  if (child_exited_ && stdout_ended_ && stderr_ended_ && !client_gone_) finish();
}

void ProcessEndpoint::finish() {
  if (finished_) return;
  finished_ = true;
  if (options_.exit_event) {
    Event e;
    e.type = options_.exit_event;
    e.data = exit_status_.text();
    std::vector<Event> events{e};
    send_all(events);
  }
  if (auto session = session_.lock()) session->end();
  teardown();
}

// ---- the client's end ----

void ProcessEndpoint::on_session_closed(SessionEnd why) {
  if (finished_ || torn_down_) return;
  client_gone_ = true;
  trace(std::string("stream closed (") + to_string(why) + "); stopping pid " + std::to_string(process_.pid()));
  stdout_->close();
  stderr_->close();
  stdin_->close();
  if (child_exited_) teardown();
  else terminate_child();
}

void ProcessEndpoint::terminate_child() {
  if (kill_timer_ || child_exited_) return;
  process_.signal(SIGTERM);
  std::weak_ptr<ProcessEndpoint> weak = weak_from_this();
  kill_timer_ = loop_.add_timer(options_.kill_grace, [weak] {
    auto self = weak.lock();
    if (!self || self->child_exited_) return;
    self->trace("pid " + std::to_string(self->process_.pid()) + " still running after the kill grace: SIGKILL");
    self->process_.signal(SIGKILL);
  });
}

// The child has exited: whatever is left in its process group is killed, the child reaped, the owner told.
void ProcessEndpoint::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  for (auto timer : {kill_timer_, drain_timer_}) loop_.cancel_timer(timer);
  kill_timer_ = drain_timer_ = 0;
  stdout_->close();
  stderr_->close();
  stdin_->close();
  process_.signal(SIGKILL);
  process_.reap();
  if (hooks_.done) hooks_.done();
}

void ProcessEndpoint::log(const std::string& line) const {
  if (options_.log) options_.log("[" + id_ + "] " + line);
}

void ProcessEndpoint::trace(const std::string& line) const {
  if (options_.trace) options_.trace("[" + id_ + "] " + line);
}

}  // namespace ssetool
