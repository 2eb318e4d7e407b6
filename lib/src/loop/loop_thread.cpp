// A Loop on its own thread (see loop/loop_thread.hpp).
#include "ssetool/loop/loop_thread.hpp"

#include <algorithm>
#include <sched.h>

namespace ssetool {

LoopThread::LoopThread() {
  thread_ = std::thread([this] { loop_.run(); });
}

LoopThread::~LoopThread() { stop_and_join(); }

void LoopThread::stop_and_join() {
  if (!thread_.joinable()) return;
  loop_.stop();
  thread_.join();
}

unsigned default_loop_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  return std::clamp<unsigned>(static_cast<unsigned>(cpus), 1, kMaxDefaultLoops);
}

}  // namespace ssetool
