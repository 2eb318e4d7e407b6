// The bytes of one upstream event stream on their way to one client: `replay --record-from`'s call thread hands
// each read to deliver(), which posts it to the client's Session on its stream loop, in order, as it arrives.
// Back-pressure: while more than `high_water` bytes are posted but not yet written to the client, deliver() blocks
// the call thread (so the upstream is read no faster than the client reads); the loop releases them as the
// session's queue drains to `high_water / 4`. Reads that arrive before the stream has opened wait here (within the
// same bound) and go out when it opens.
//
// Threads: deliver() and finish() on the call thread; attach() on the session's loop; close() anywhere.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "ssetool/loop/session.hpp"
#include "ssetool/wire/frame.hpp"

namespace ssetool {

class UpstreamRelay : public std::enable_shared_from_this<UpstreamRelay> {
 public:
  // `on_gone` (loop thread or close()'s caller): the client is gone, or will never be served; called once.
  UpstreamRelay(std::size_t high_water, std::function<void()> on_gone);

  // Queues bytes for the client; blocks while the client is behind. False: the client is gone (stop reading).
  bool deliver(std::string_view bytes);
  // The upstream's stream is over: the client's response ends once what is queued is written, cleanly when
  // `complete`, else without its final chunk (as the upstream's broke off).
  void finish(bool complete);
  // The stream to the client opened (loop thread). Heartbeats are off: the client gets the upstream's bytes only.
  void attach(Session& session);
  // The client will never get (more of) the stream: unblocks deliver(), which returns false from now on.
  void close();
  // close(), unless attach() came first: the stream was never opened (refused, or the server was stopping).
  void abandon();

 private:
  void push(const Frame& frame);        // loop thread
  void end_session(bool complete);      // loop thread
  void release(std::size_t bytes);

  const std::size_t high_water_;
  std::function<void()> on_gone_;
  std::mutex mutex_;
  std::condition_variable room_;
  std::weak_ptr<Session> session_;  // set by attach(); never keeps a session alive
  Loop* loop_ = nullptr;            // the session's loop, once attached
  std::deque<Frame> waiting_;       // reads before attach()
  std::optional<bool> finished_;    // finish() came before attach(): how
  std::size_t in_flight_ = 0;       // bytes posted and not yet released
  bool gone_ = false;
  std::size_t held_ = 0;            // loop thread: bytes pushed while the session's queue was above low water
};

}  // namespace ssetool
