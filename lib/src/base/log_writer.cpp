// A descriptor's log lines written by a thread of its own, bounded (see base/log_writer.hpp).
#include "ssetool/base/log_writer.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ssetool {

LogWriter::LogWriter(int fd, std::size_t limit, std::chrono::milliseconds drain_time)
    : fd_(fd), limit_(limit), drain_time_(drain_time) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    deadline_ = std::chrono::steady_clock::now() + drain_time_;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void LogWriter::start_thread() {
  // The thread starts with every signal blocked: signals are the loop's (signalfd), never this thread's.
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  thread_ = std::thread([this] { run(); });
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void LogWriter::write(std::string line) {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) start_thread();  // on the first line: a quiet process has no log thread
    if (pending_bytes_ + line.size() + 1 > limit_) {
      ++dropped_;
      ++dropped_unreported_;
      return;
    }
    line += '\n';
    pending_bytes_ += line.size();
    lines_.push_back(std::move(line));
  }
  wake_.notify_one();
}

std::uint64_t LogWriter::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void LogWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !lines_.empty(); });
    if (lines_.empty()) return;  // stopping, nothing left
    std::string text = std::move(lines_.front());
    lines_.pop_front();
    pending_bytes_ -= text.size();
    if (dropped_unreported_ > 0 && pending_bytes_ == 0) {
      text += "ssetool: " + std::to_string(dropped_unreported_) + " log line(s) dropped: stderr was not read\n";
      dropped_unreported_ = 0;
    }
    lock.unlock();
    bool ok = write_out(text);
    lock.lock();
    if (!ok) {  // a failed descriptor, or the drain deadline passed: what is left is dropped
      dropped_ += lines_.size();
      lines_.clear();
      pending_bytes_ = 0;
      if (stopping_) return;
    }
  }
}

bool LogWriter::write_out(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    int timeout_ms = 100;
    {
      std::lock_guard lock(mutex_);
      if (stopping_ && std::chrono::steady_clock::now() >= deadline_) return false;
    }
    pollfd p{fd_, POLLOUT, 0};
    int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    if (p.revents & (POLLERR | POLLNVAL)) return false;
    // At most a pipe's atomic size: POLLOUT promises room for that much, so the write cannot block.
    std::size_t chunk = std::min<std::size_t>(text.size() - done, PIPE_BUF);
    ssize_t n = ::write(fd_, text.data() + done, chunk);
    if (n < 0 && errno != EINTR && errno != EAGAIN) return false;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace ssetool
