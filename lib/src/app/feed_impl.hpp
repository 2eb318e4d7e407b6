// Feed::Impl: a broadcast route's hub (ids, history, fan-out, on the loop) and the Publisher that hands it events
// from other threads. Internal to the app part.
#pragma once

#include <atomic>
#include <thread>

#include "ssetool/app/feed.hpp"
#include "ssetool/hub/hub.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/loop/publisher.hpp"
#include "ssetool/server/reply.hpp"

namespace ssetool {

class Feed::Impl {
 public:
  Impl(Loop& loop, FeedOptions options);

  bool publish(Event event);
  std::uint64_t published() const { return hub_.published(); }
  // On a worker: the stream reply for a new client (from its Last-Event-ID, else live from now on).
  Reply open_stream();
  // The App shuts down: publishing stops; events still waiting for the loop are dropped.
  void shut_down() { publisher_.cancel(); }
  // App::run, on the loop's thread before it runs: publish() from there goes straight to the hub.
  void set_loop_thread(std::thread::id id) { loop_thread_ = id; }

 private:
  std::atomic<std::thread::id> loop_thread_;
  Hub hub_;
  Publisher publisher_;
};

}  // namespace ssetool
