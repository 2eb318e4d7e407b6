// Log lines written to a descriptor (stderr in the CLI) by a thread of its own, so that the thread that logs (an
// event loop) never waits for the reader: a terminal on hold, or a pipe nobody reads, would otherwise stall every
// stream. What waits is bounded: beyond `limit` bytes of pending lines, new lines are dropped and counted, and a line
// saying how many went missing is written once there is room again. On destruction, pending lines are written for
// at most `drain_time`; what is left after it is dropped, so that a stalled reader cannot keep the process alive.
// The thread starts with the first line.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace ssetool {

class LogWriter {
 public:
  explicit LogWriter(int fd, std::size_t limit = 1 << 20,
                     std::chrono::milliseconds drain_time = std::chrono::seconds(2));
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Queues `line` (a newline is added). Thread-safe; never blocks on the descriptor.
  void write(std::string line);
  // Lines dropped so far because `limit` bytes were pending.
  std::uint64_t dropped() const;

 private:
  void start_thread();
  void run();
  bool write_out(const std::string& text);  // false once the drain deadline passed or the descriptor failed

  int fd_;
  std::size_t limit_;
  std::chrono::milliseconds drain_time_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> lines_;
  std::size_t pending_bytes_ = 0;
  std::uint64_t dropped_ = 0;           // in all
  std::uint64_t dropped_unreported_ = 0;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point deadline_;  // set when stopping
  std::thread thread_;
};

}  // namespace ssetool
