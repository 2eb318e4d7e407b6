// A Loop that runs on a thread of its own: the extra stream loops of a server with --threads N. The loop starts
// running at construction; stop_and_join() (or the destructor) stops it and waits for the thread. Work reaches
// it through loop().post(), as for any loop.
#pragma once

#include <thread>

#include "ssetool/loop/loop.hpp"

namespace ssetool {

class LoopThread {
 public:
  LoopThread();
  ~LoopThread();
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  Loop& loop() { return loop_; }
  // Thread-safe, idempotent: work posted before it still runs, then the thread ends.
  void stop_and_join();

 private:
  Loop loop_;
  std::thread thread_;
};

// How many stream loops `--threads` gives by default: the CPUs this process may run on (its affinity mask), at
// least 1 and at most kMaxDefaultLoops.
constexpr unsigned kMaxDefaultLoops = 16;
unsigned default_loop_count();

}  // namespace ssetool
