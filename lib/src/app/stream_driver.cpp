// Runs one sse() handler's coroutine on the loop (see stream_driver.hpp).
#include "stream_driver.hpp"

#include <fmt/core.h>

#include <exception>

namespace ssetool {

void StreamDriver::open(Session& session, const SseRoute& route, std::size_t watermark, const Log& log) {
  auto driver = std::make_shared<StreamDriver>(session, route, watermark, log);
  {
    std::lock_guard lock(driver->post_target_->mutex);
    driver->post_target_->loop = &session.loop();
    driver->post_target_->driver = driver;
  }
  session.on_close([driver](SessionEnd) { driver->session_closed(); });
  driver->start();
}

StreamDriver::StreamDriver(Session& session, const SseRoute& route, std::size_t watermark, const Log& log)
    : loop_(session.loop()), session_(&session), request_(session.request()), route_(route), watermark_(watermark),
      log_(log) {}

StreamDriver::~StreamDriver() {
  if (coroutine_) coroutine_.destroy();
}

void StreamDriver::start() {
  if (!session_) return;  // closed while opening (server shutting down)
  if (route_.options.retry) {
    Event retry{.retry = static_cast<std::uint64_t>(route_.options.retry->count()), .has_data = false};
    session_->send(retry);
  }
  if (route_.options.heartbeat.period.count() > 0) schedule_heartbeat();
  try {
    coroutine_ = route_.handler(api_).release();
  } catch (const std::exception& e) {  // a handler that is not a coroutine threw before returning one
    log_failure(e.what());
    if (session_) session_->end_abruptly();
    return;
  }
  if (coroutine_) resume();
  else if (session_) session_->end();
}

// Runs the coroutine until its next suspension, then settles what it left.
void StreamDriver::resume() {
  auto keep = shared_from_this();  // the session's close may drop the last other owner meanwhile
  running_ = true;
  coroutine_.resume();
  running_ = false;
  settle();
}

// A coroutine that returned ends its stream cleanly; one that threw ends it abruptly and is logged.
void StreamDriver::settle() {
  if (!coroutine_ || !coroutine_.done()) return;
  std::exception_ptr error = coroutine_.promise().error;
  std::exchange(coroutine_, {}).destroy();
  if (!error) {
    if (session_) session_->end();
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    log_failure(e.what());
  } catch (...) {
    log_failure("an exception that is not a std::exception");
  }
  if (session_) session_->end_abruptly();
}

void StreamDriver::log_failure(const std::string& what) const {
  if (log_)
    log_(fmt::format("{} {}:{}: the handler threw: {}; stream ended", route_.path, request_.remote_addr,
                     request_.remote_port, what));
}

bool StreamDriver::stream_open() const { return session_ && session_->is_open() && !session_->is_ending(); }

bool StreamDriver::below_watermark() const { return session_ && session_->queued_bytes() <= watermark_; }

void StreamDriver::send(const Event& event) {
  validate(event);  // a bad event is the handler's error, open stream or not
  if (stream_open()) session_->send(event);
}

std::string StreamDriver::serialize(const nlohmann::json& value) const {
  return route_.options.serialize ? route_.options.serialize(value) : value.dump();
}

void StreamDriver::wait_drained() {
  std::weak_ptr<StreamDriver> weak = weak_from_this();
  session_->on_drained(watermark_, [weak] {
    auto self = weak.lock();
    if (!self || !self->coroutine_ || self->running_) return;
    if (self->session_) self->session_->on_drained(0, nullptr);
    self->resume();
  });
}

void StreamDriver::wait_for(std::chrono::microseconds delay) {
  std::weak_ptr<StreamDriver> weak = weak_from_this();
  sleep_timer_ = loop_.add_timer(delay, [weak] {
    auto self = weak.lock();
    if (!self) return;
    self->sleep_timer_ = 0;
    if (self->coroutine_ && !self->running_) self->resume();
  });
}

// Called from an awaiter's await_suspend: the coroutine is suspended, so it may be destroyed here; its locals
// are destroyed as after a return. Nothing of the awaiter may be touched afterwards.
void StreamDriver::abandon() {
  if (coroutine_) std::exchange(coroutine_, {}).destroy();
}

void StreamDriver::close() {
  if (session_) session_->end();
}

void StreamDriver::deliver_posted(const Event& event) {
  if (stream_open()) session_->send(event);
}

// The stream is over (client gone, dropped, ended): no more timers or posts; a suspended coroutine ends now, a
// running one at its next co_await.
void StreamDriver::session_closed() {
  auto keep = shared_from_this();
  session_ = nullptr;
  loop_.cancel_timer(sleep_timer_);
  loop_.cancel_timer(heartbeat_timer_);
  sleep_timer_ = heartbeat_timer_ = 0;
  {
    std::lock_guard lock(post_target_->mutex);
    post_target_->loop = nullptr;
  }
  if (coroutine_ && !running_) std::exchange(coroutine_, {}).destroy();
}

void StreamDriver::schedule_heartbeat() {
  std::weak_ptr<StreamDriver> weak = weak_from_this();
  heartbeat_timer_ = loop_.add_timer(route_.options.heartbeat.period, [weak] {
    auto self = weak.lock();
    if (!self || !self->stream_open()) return;
    self->session_->send(self->route_.options.heartbeat.event);
    self->schedule_heartbeat();
  });
}

}  // namespace ssetool
