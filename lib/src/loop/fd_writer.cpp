// Non-blocking writes to a child's stdin (see loop/fd_writer.hpp).
#include "ssetool/loop/fd_writer.hpp"

#include <cerrno>
#include <sys/epoll.h>
#include <unistd.h>

namespace ssetool {

FdWriter::FdWriter(Loop& loop, int fd, std::size_t limit, ReleasedHandler on_released, ClosedHandler on_closed)
    : loop_(loop), fd_(fd), limit_(limit), on_released_(std::move(on_released)), on_closed_(std::move(on_closed)) {}

FdWriter::~FdWriter() {
  on_closed_ = nullptr;  // the owner is going away: nobody to tell
  on_released_ = nullptr;
  close();
}

bool FdWriter::write(std::string data) {
  if (fd_ < 0 || data.size() > limit_ - pending_) return false;
  if (data.empty()) return true;
  pending_ += data.size();
  queue_.push_back(std::move(data));
  if (!watching_) flush();
  return true;
}

void FdWriter::flush() {
  while (fd_ >= 0 && !queue_.empty()) {
    const std::string& front = queue_.front();
    ssize_t n = ::write(fd_, front.data() + offset_, front.size() - offset_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      want_writable(true);
      return;
    }
    if (n < 0) {  // EPIPE: the child closed its stdin (or exited)
      close();
      return;
    }
    offset_ += static_cast<std::size_t>(n);
    pending_ -= static_cast<std::size_t>(n);
    if (offset_ == front.size()) {
      queue_.pop_front();
      offset_ = 0;
    }
    if (on_released_) on_released_(static_cast<std::size_t>(n));
  }
  want_writable(false);
}

void FdWriter::want_writable(bool on) {
  if (watching_ == on || fd_ < 0) return;
  if (on) loop_.watch(fd_, EPOLLOUT, [this](std::uint32_t) { flush(); });
  else loop_.unwatch(fd_);
  watching_ = on;
}

void FdWriter::close() {
  if (fd_ < 0) return;
  if (watching_) loop_.unwatch(fd_);
  watching_ = false;
  ::close(fd_);
  fd_ = -1;
  std::size_t dropped = pending_;
  queue_.clear();
  offset_ = 0;
  pending_ = 0;
  if (dropped > 0 && on_released_) on_released_(dropped);
  auto closed = std::move(on_closed_);
  on_closed_ = nullptr;
  if (closed) closed();
}

}  // namespace ssetool
