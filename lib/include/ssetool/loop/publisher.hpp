// The hand-off from a source thread to the stream loop: a bounded queue of events plus a wake-up.
// publish() blocks the source while `capacity` events are waiting (back-pressure on the input, never
// loss); the loop receives events in batches, in order, and a final call once the source closed. Only cancel()
// drops events (those waiting, and those a blocked publish_all() had not handed over yet), and counts them:
// an owner that wants everything delivered lets the source close and the loop drain first.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include "ssetool/loop/loop.hpp"
#include "ssetool/wire/event.hpp"

namespace ssetool {

class Publisher {
 public:
  using BatchHandler = std::function<void(std::vector<Event>& batch)>;

  // on_batch and on_closed run on the loop's thread.
  Publisher(Loop& loop, BatchHandler on_batch, std::function<void()> on_closed, std::size_t capacity = 4096);

  // From the source thread: publishes all of `events` (emptied), waiting for room as needed. Returns false
  // when the publisher was cancelled (the events not yet taken are dropped with the source).
  bool publish_all(std::vector<Event>& events);
  // From the source thread: no more events; on_closed runs after the last batch.
  void close();
  // From any thread: wakes a blocked publish() and makes further ones return false; the events still waiting
  // for the loop are dropped (counted in dropped()).
  void cancel();
  // Events dropped by cancel(): waiting for the loop, or not yet handed over by publish_all(). Thread-safe.
  std::size_t dropped() const;

 private:
  void drain();
  void post_drain_locked();

  Loop& loop_;
  BatchHandler on_batch_;
  std::function<void()> on_closed_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable space_;
  std::vector<Event> pending_;
  bool drain_posted_ = false;
  bool closed_ = false;
  bool cancelled_ = false;
  std::size_t dropped_ = 0;
};

}  // namespace ssetool
