// Stops a client run from outside: at the first of SIGINT/SIGTERM (or whatever signals it is given) and an
// optional deadline. It reuses the servers' mechanism: a Loop (loop/loop.hpp) receives the signals on its
// signalfd and runs the deadline as a timer, on a thread of its own, while the run blocks the caller's thread.
//
//   ssetool::block_signals({SIGINT, SIGTERM});          // first, before any thread starts
//   ssetool::StopWatcher watcher({.signals = {SIGINT, SIGTERM}, .deadline = 5s},
//                                [&] { client.stop(); }, [](ssetool::StopReason) { ::_exit(1); });
//   client.run();
//   std::optional<ssetool::StopReason> why = watcher.reason();
//
// A stopped run has `grace` to end: if it is still going then, or a second signal comes, `overdue` is called (the
// CLI exits at once there: a connect in progress cannot be interrupted, and a Client's stop() waits for it).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ssetool/loop/loop.hpp"

namespace ssetool {

// What stopped a run from outside.
struct StopReason {
  enum class Kind { signal, deadline };
  Kind kind = Kind::signal;
  int signal = 0;  // for Kind::signal: its number
};

class StopWatcher {
 public:
  struct Options {
    std::vector<int> signals = {};  // blocked in every thread beforehand (block_signals in loop/loop.hpp)
    std::optional<std::chrono::milliseconds> deadline = {};  // counted from the construction
    std::chrono::milliseconds grace = std::chrono::seconds(2);
  };

  // `stop` is called once, at the first signal or the deadline, on a thread of its own (it may block: a Client's
  // stop() waits for a connect in progress). `overdue` is called on the watcher's thread, with the same reason, at
  // most once: when the stopped run outlives the grace, or a second signal comes.
  StopWatcher(Options options, std::function<void()> stop, std::function<void(StopReason)> overdue);
  // To be called once the run has ended: stops watching (a later signal stays pending) and joins its threads (so a
  // `stop` in progress must return once the run has ended).
  ~StopWatcher();
  StopWatcher(const StopWatcher&) = delete;
  StopWatcher& operator=(const StopWatcher&) = delete;

  // What stopped the run; nullopt while nothing did. Thread-safe.
  std::optional<StopReason> reason() const;

 private:
  void on_cause(StopReason reason);  // on the watcher's thread

  Options options_;
  std::function<void()> stop_;
  std::function<void(StopReason)> overdue_;
  Loop loop_;
  mutable std::mutex mutex_;  // guards reason_
  std::optional<StopReason> reason_;
  bool overdue_called_ = false;  // on the watcher's thread only
  std::thread thread_;           // runs loop_
  std::thread stopper_;          // runs stop_; started on the watcher's thread
};

}  // namespace ssetool
