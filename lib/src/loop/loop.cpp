// The epoll stream loop (see loop/loop.hpp): descriptors, timers on a timerfd, posted work on an eventfd,
// signals on a signalfd, and work deferred to the end of an iteration.
#include "ssetool/loop/loop.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <pthread.h>
#include <string>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw SystemError(what + ": " + std::strerror(errno));
}

}  // namespace

Loop::Loop() : thread_id_(std::this_thread::get_id()) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0 || timer_fd_ < 0) throw_errno("cannot create the event loop");
  watch(wake_fd_, EPOLLIN, [this](std::uint32_t) {
    std::uint64_t n;
    while (::read(wake_fd_, &n, sizeof n) > 0) {
    }
    run_posted();
  });
  watch(timer_fd_, EPOLLIN, [this](std::uint32_t) {
    std::uint64_t n;
    while (::read(timer_fd_, &n, sizeof n) > 0) {
    }
    run_due_timers();
  });
}

Loop::~Loop() {
  for (int fd : {epoll_fd_, wake_fd_, timer_fd_, signal_fd_})
    if (fd >= 0) ::close(fd);
}

void Loop::watch(int fd, std::uint32_t events, FdHandler handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) throw_errno("epoll_ctl(ADD)");
  handlers_[fd] = std::make_shared<FdHandler>(std::move(handler));
}

void Loop::modify(int fd, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) throw_errno("epoll_ctl(MOD)");
}

void Loop::unwatch(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  handlers_.erase(fd);
}

Loop::TimerId Loop::add_timer(Clock::time_point when, std::function<void()> fn) {
  TimerId id = next_timer_id_++;
  bool earliest = timers_.empty() || when < timers_.begin()->first.first;
  timers_.emplace(std::make_pair(when, id), std::move(fn));
  timer_index_.emplace(id, when);
  if (earliest) arm_timerfd();
  return id;
}

void Loop::cancel_timer(TimerId id) {
  auto it = timer_index_.find(id);
  if (it == timer_index_.end()) return;
  timers_.erase({it->second, id});
  timer_index_.erase(it);
}

void Loop::arm_timerfd() {
  itimerspec spec{};
  if (!timers_.empty()) {
    auto when = timers_.begin()->first.first.time_since_epoch();
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when).count();
    if (ns <= 0) ns = 1;
    spec.it_value.tv_sec = ns / 1000000000;
    spec.it_value.tv_nsec = ns % 1000000000;
  }
  // steady_clock is CLOCK_MONOTONIC on Linux, so its time points are absolute timerfd times.
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void Loop::run_due_timers() {
  auto now = Clock::now();
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    timer_index_.erase(node.key().second);
    node.mapped()();
  }
  arm_timerfd();
}

void Loop::defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }

void Loop::run_deferred() {
  while (!deferred_.empty()) {
    auto batch = std::move(deferred_);
    deferred_.clear();
    for (auto& fn : batch) fn();
  }
}

void Loop::post(std::function<void()> fn) {
  bool was_empty;
  {
    std::lock_guard lock(posted_mutex_);
    was_empty = posted_.empty();
    posted_.push_back(std::move(fn));
  }
  if (was_empty) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
}

void Loop::run_posted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(posted_mutex_);
    batch.swap(posted_);
    if (stop_requested_) stopping_ = true;
  }
  for (auto& fn : batch) fn();
}

void Loop::stop() {
  {
    std::lock_guard lock(posted_mutex_);
    stop_requested_ = true;
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void Loop::watch_signals(const std::vector<int>& signals, std::function<void(int)> handler) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) throw_errno("signalfd");
  watch(signal_fd_, EPOLLIN, [this, handler = std::move(handler)](std::uint32_t) {
    signalfd_siginfo info;
    while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info))
      handler(static_cast<int>(info.ssi_signo));
  });
}

void Loop::run() {
  thread_id_ = std::this_thread::get_id();
  std::vector<epoll_event> events(256);
  while (!stopping_) {
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      auto it = handlers_.find(events[i].data.fd);
      if (it == handlers_.end()) continue;  // unwatched by an earlier handler of this batch
      auto handler = it->second;             // keeps the handler alive while it runs
      (*handler)(events[i].events);
    }
    run_deferred();
    std::lock_guard lock(posted_mutex_);
    if (stop_requested_) stopping_ = true;
  }
}

void block_signals(const std::vector<int>& signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace ssetool
