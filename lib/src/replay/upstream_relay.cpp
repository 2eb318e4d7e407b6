// An upstream event stream's bytes on their way to one client (see replay/upstream_relay.hpp).
#include "ssetool/replay/upstream_relay.hpp"

#include <string>
#include <utility>

namespace ssetool {

UpstreamRelay::UpstreamRelay(std::size_t high_water, std::function<void()> on_gone)
    : high_water_(high_water), on_gone_(std::move(on_gone)) {}

bool UpstreamRelay::deliver(std::string_view bytes) {
  Frame frame = std::make_shared<const std::string>(bytes);
  std::unique_lock lock(mutex_);
  room_.wait(lock, [&] { return gone_ || in_flight_ < high_water_; });
  if (gone_) return false;
  in_flight_ += frame->size();
  if (!loop_) {
    waiting_.push_back(std::move(frame));
    return true;
  }
  Loop* loop = loop_;
  lock.unlock();
  loop->post([self = shared_from_this(), frame = std::move(frame)] { self->push(frame); });
  return true;
}

void UpstreamRelay::finish(bool complete) {
  std::unique_lock lock(mutex_);
  if (!loop_) {
    finished_ = complete;
    return;
  }
  Loop* loop = loop_;
  lock.unlock();
  loop->post([self = shared_from_this(), complete] { self->end_session(complete); });
}

void UpstreamRelay::attach(Session& session) {
  session.set_heartbeats(false);
  std::deque<Frame> waiting;
  std::optional<bool> finished;
  {
    std::lock_guard lock(mutex_);
    session_ = session.weak_from_this();
    loop_ = &session.loop();
    waiting.swap(waiting_);
    finished = finished_;
  }
  session.on_close([self = shared_from_this()](SessionEnd) { self->close(); });
  for (const Frame& frame : waiting) push(frame);
  if (finished) end_session(*finished);
}

void UpstreamRelay::close() {
  std::function<void()> on_gone;
  {
    std::lock_guard lock(mutex_);
    if (gone_) return;
    gone_ = true;
    on_gone.swap(on_gone_);
  }
  room_.notify_all();
  if (on_gone) on_gone();
}

void UpstreamRelay::abandon() {
  {
    std::lock_guard lock(mutex_);
    if (loop_) return;
  }
  close();
}

void UpstreamRelay::push(const Frame& frame) {
  std::shared_ptr<Session> session = session_.lock();
  if (!session || !session->is_open() || session->is_ending()) return;
  session->push(frame);
  const std::size_t low_water = high_water_ / 4;
  if (session->queued_bytes() <= low_water) {
    release(frame->size());
    return;
  }
  held_ += frame->size();
  session->on_drained(low_water, [self = shared_from_this()] {
    self->release(self->held_);
    self->held_ = 0;
  });
}

void UpstreamRelay::end_session(bool complete) {
  std::shared_ptr<Session> session = session_.lock();
  if (!session || !session->is_open()) return;
  if (complete) session->end();
  else session->end_abruptly();
}

void UpstreamRelay::release(std::size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    in_flight_ -= bytes;
  }
  room_.notify_all();
}

}  // namespace ssetool
