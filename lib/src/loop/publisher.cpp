// Source thread → loop hand-off (see loop/publisher.hpp).
#include "ssetool/loop/publisher.hpp"

namespace ssetool {

Publisher::Publisher(Loop& loop, BatchHandler on_batch, std::function<void()> on_closed, std::size_t capacity)
    : loop_(loop), on_batch_(std::move(on_batch)), on_closed_(std::move(on_closed)), capacity_(capacity) {}

bool Publisher::publish_all(std::vector<Event>& events) {
  std::unique_lock lock(mutex_);
  for (std::size_t i = 0; i < events.size(); ++i) {
    space_.wait(lock, [&] { return pending_.size() < capacity_ || cancelled_; });
    if (cancelled_ || closed_) {
      if (cancelled_) dropped_ += events.size() - i;
      events.clear();
      return false;
    }
    pending_.push_back(std::move(events[i]));
    post_drain_locked();
  }
  events.clear();
  return true;
}

void Publisher::close() {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  closed_ = true;
  post_drain_locked();
}

// With mutex_ held: makes sure one drain is on its way to the loop.
void Publisher::post_drain_locked() {
  if (drain_posted_) return;
  drain_posted_ = true;
  loop_.post([this] { drain(); });
}

void Publisher::cancel() {
  std::lock_guard lock(mutex_);
  if (!cancelled_) {
    cancelled_ = true;
    dropped_ += pending_.size();
    pending_.clear();
  }
  space_.notify_all();
}

std::size_t Publisher::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void Publisher::drain() {
  std::vector<Event> batch;
  bool closed;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
    drain_posted_ = false;
    closed = closed_;
    space_.notify_all();
  }
  if (!batch.empty()) on_batch_(batch);
  if (closed && on_closed_) {
    auto done = std::move(on_closed_);
    on_closed_ = nullptr;
    done();
  }
}

}  // namespace ssetool
