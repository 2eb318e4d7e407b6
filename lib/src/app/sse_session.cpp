// SseSession, its awaiters and EventPoster: the handler's view of a stream, forwarded to its StreamDriver.
#include "ssetool/app/sse_session.hpp"

#include "stream_driver.hpp"

namespace ssetool {

bool SseSession::SendAwaiter::await_ready() const noexcept {
  return driver_.stream_open() && driver_.below_watermark();
}

void SseSession::SendAwaiter::await_suspend(std::coroutine_handle<>) noexcept {
  StreamDriver& driver = driver_;  // abandon() destroys this awaiter with the coroutine
  if (driver.stream_open()) driver.wait_drained();
  else driver.abandon();
}

void SseSession::SleepAwaiter::await_suspend(std::coroutine_handle<>) noexcept {
  StreamDriver& driver = driver_;
  if (driver.stream_open()) driver.wait_for(delay_);
  else driver.abandon();
}

SseSession::SendAwaiter SseSession::send(const Event& event) {
  driver_.send(event);
  return SendAwaiter(driver_);
}

SseSession::SendAwaiter SseSession::send(std::string_view data) {
  Event event{.data = std::string(data)};
  return send(event);
}

SseSession::SendAwaiter SseSession::send(std::string_view type, std::string_view data) {
  Event event{.data = std::string(data), .type = std::string(type)};
  return send(event);
}

SseSession::SendAwaiter SseSession::send_json(const nlohmann::json& value) {
  Event event{.data = driver_.serialize(value)};
  return send(event);
}

const Request& SseSession::request() const { return driver_.request(); }

void SseSession::close() { driver_.close(); }

bool SseSession::is_open() const { return driver_.stream_open(); }

EventPoster SseSession::poster() const { return EventPoster(driver_.post_target()); }

bool EventPoster::post(Event event) const {
  validate(event);
  if (!target_) return false;
  std::lock_guard lock(target_->mutex);
  if (!target_->loop) return false;
  target_->loop->post([driver = target_->driver, event = std::move(event)] {
    if (auto self = driver.lock()) self->deliver_posted(event);
  });
  return true;
}

}  // namespace ssetool
