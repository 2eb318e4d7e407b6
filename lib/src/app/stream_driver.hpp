// StreamDriver: runs one sse() handler's coroutine over one Session, on the loop. It starts the coroutine when the
// stream opens, resumes it from the loop (a drained socket after send, a timer after sleep), ends the stream when
// it returns (cleanly) or throws (abruptly, logged), destroys it at its next co_await once the stream is over,
// and sends the route's retry and heartbeat. Internal to the app part.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "ssetool/app/sse_session.hpp"
#include "ssetool/app/task.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/loop/session.hpp"

namespace ssetool {

// An sse() route as the App keeps it for its lifetime.
struct SseRoute {
  std::string path;
  SseOptions options;
  std::function<Task(SseSession&)> handler;
};

// Where EventPoster sends to: the loop while the stream lives, nothing after.
struct PostTarget {
  std::mutex mutex;
  Loop* loop = nullptr;  // guarded by mutex; null once the stream ended
  std::weak_ptr<StreamDriver> driver;
};

class StreamDriver : public std::enable_shared_from_this<StreamDriver> {
 public:
  using Log = std::function<void(const std::string&)>;

  // On the loop, when a stream of `route` opens: runs the handler for it. Everything referenced outlives it.
  static void open(Session& session, const SseRoute& route, std::size_t watermark, const Log& log);

  StreamDriver(Session& session, const SseRoute& route, std::size_t watermark, const Log& log);
  ~StreamDriver();

  // For SseSession and its awaiters, on the loop.
  bool stream_open() const;
  bool below_watermark() const;
  void send(const Event& event);
  std::string serialize(const nlohmann::json& value) const;
  void wait_drained();                            // send's await_suspend: resume once the client caught up
  void wait_for(std::chrono::microseconds delay);  // sleep's await_suspend
  void abandon();                                 // a co_await on an ended stream: the coroutine ends here
  void close();
  const Request& request() const { return request_; }
  std::shared_ptr<PostTarget> post_target() const { return post_target_; }
  void deliver_posted(const Event& event);

 private:
  void start();
  void resume();
  void settle();
  void session_closed();
  void schedule_heartbeat();
  void log_failure(const std::string& what) const;

  Loop& loop_;
  Session* session_;  // null once the stream is over
  Request request_;
  const SseRoute& route_;
  std::size_t watermark_;
  const Log& log_;
  SseSession api_{*this};
  Task::Handle coroutine_;
  bool running_ = false;
  Loop::TimerId sleep_timer_ = 0;
  Loop::TimerId heartbeat_timer_ = 0;
  std::shared_ptr<PostTarget> post_target_ = std::make_shared<PostTarget>();
};

}  // namespace ssetool
