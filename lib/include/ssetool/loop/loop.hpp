// The stream loop: one thread on epoll that owns long-lived sockets and pipes, runs timers and accepts
// work posted from other threads (woken through an eventfd). Everything registered with the loop is
// called on the loop's thread; only post(), stop() and the constructor may be called from elsewhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace ssetool {

class Loop {
 public:
  using Clock = std::chrono::steady_clock;
  using FdHandler = std::function<void(std::uint32_t events)>;  // EPOLLIN, EPOLLOUT, EPOLLRDHUP... bits
  using TimerId = std::uint64_t;

  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Descriptors. The handler may unwatch its own descriptor (or others) safely.
  void watch(int fd, std::uint32_t events, FdHandler handler);
  void modify(int fd, std::uint32_t events);
  void unwatch(int fd);

  // Timers, on the loop's thread. cancel_timer of an id already run or cancelled is a no-op.
  TimerId add_timer(Clock::time_point when, std::function<void()> fn);
  TimerId add_timer(std::chrono::microseconds delay, std::function<void()> fn) {
    return add_timer(Clock::now() + delay, std::move(fn));
  }
  void cancel_timer(TimerId id);

  // Runs fn at the end of the current iteration, after every event of this iteration was handled.
  void defer(std::function<void()> fn);

  // Thread-safe: runs fn on the loop's thread soon.
  void post(std::function<void()> fn);

  // Signals: blocks nothing itself (block them in every thread first, see block_signals); delivers them here.
  void watch_signals(const std::vector<int>& signals, std::function<void(int)> handler);

  // Runs until stop(). stop() is thread-safe. A loop runs once: it cannot run again after stop().
  void run();
  void stop();
  bool in_loop_thread() const { return std::this_thread::get_id() == thread_id_; }

 private:
  void run_posted();
  void run_due_timers();
  void arm_timerfd();
  void run_deferred();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;     // eventfd: post() and stop() wake the loop
  int timer_fd_ = -1;    // timerfd armed at the earliest timer
  int signal_fd_ = -1;
  bool stopping_ = false;
  std::thread::id thread_id_;
  std::unordered_map<int, std::shared_ptr<FdHandler>> handlers_;
  std::map<std::pair<Clock::time_point, TimerId>, std::function<void()>> timers_;
  std::unordered_map<TimerId, Clock::time_point> timer_index_;
  TimerId next_timer_id_ = 1;
  std::vector<std::function<void()>> deferred_;
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  bool stop_requested_ = false;  // guarded by posted_mutex_
};

// Blocks these signals in the calling thread (and so in threads it creates later): call it first thing in
// main() before any thread starts, then receive them with Loop::watch_signals.
void block_signals(const std::vector<int>& signals);

}  // namespace ssetool
