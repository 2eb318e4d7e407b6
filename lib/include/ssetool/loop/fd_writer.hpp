// Writes to a child's stdin from the stream loop without ever blocking: what the pipe does not take at once
// waits, in order, in a buffer bounded by `limit`, and goes out when the pipe is writable again. A write that
// does not fit is refused whole (the caller decides what to tell its client). When the child closes its end,
// what waits is dropped. Every byte that leaves the buffer — written or dropped — is reported through
// `on_released`, so a caller on another thread can keep its own count. Lives on the loop thread.
// The process must ignore SIGPIPE (a write to a closed pipe must fail with EPIPE, not kill us).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>

#include "ssetool/loop/loop.hpp"

namespace ssetool {

class FdWriter {
 public:
  using ReleasedHandler = std::function<void(std::size_t bytes)>;
  using ClosedHandler = std::function<void()>;

  // Takes ownership of `fd` (non-blocking).
  FdWriter(Loop& loop, int fd, std::size_t limit, ReleasedHandler on_released, ClosedHandler on_closed);
  ~FdWriter();
  FdWriter(const FdWriter&) = delete;
  FdWriter& operator=(const FdWriter&) = delete;

  // False, with nothing written, when the pipe is closed or `data` does not fit in what is left of the limit.
  bool write(std::string data);
  // Closes our end (the child reads end of input); drops what waits. Calls on_closed once, whatever closed it.
  void close();

  bool open() const { return fd_ >= 0; }
  std::size_t pending() const { return pending_; }

 private:
  void flush();
  void want_writable(bool on);

  Loop& loop_;
  int fd_;
  std::size_t limit_;
  std::deque<std::string> queue_;
  std::size_t offset_ = 0;   // bytes of queue_.front() already written
  std::size_t pending_ = 0;  // bytes waiting, over all of queue_
  bool watching_ = false;
  ReleasedHandler on_released_;
  ClosedHandler on_closed_;
};

}  // namespace ssetool
