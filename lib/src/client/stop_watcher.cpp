// Signals and a deadline that stop a client run (see client/stop_watcher.hpp): one Loop on its own thread, with
// the signals on its signalfd and the deadline and the grace as its timers; the stop itself on a second thread.
#include "ssetool/client/stop_watcher.hpp"

namespace ssetool {

StopWatcher::StopWatcher(Options options, std::function<void()> stop, std::function<void(StopReason)> overdue)
    : options_(std::move(options)), stop_(std::move(stop)), overdue_(std::move(overdue)) {
  if (!options_.signals.empty())
    loop_.watch_signals(options_.signals, [this](int signal) { on_cause({StopReason::Kind::signal, signal}); });
  if (options_.deadline)
    loop_.add_timer(std::chrono::microseconds(*options_.deadline), [this] { on_cause({StopReason::Kind::deadline}); });
  thread_ = std::thread([this] { loop_.run(); });
}

StopWatcher::~StopWatcher() {
  loop_.stop();
  thread_.join();
  if (stopper_.joinable()) stopper_.join();  // set on the loop's thread, which has ended
}

std::optional<StopReason> StopWatcher::reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

void StopWatcher::on_cause(StopReason cause) {
  std::optional<StopReason> first;
  {
    std::lock_guard lock(mutex_);
    if (!reason_) reason_ = cause;
    else first = reason_;
  }
  if (first) {  // a second signal (or the deadline after a signal): no more waiting
    if (cause.kind == StopReason::Kind::signal && !overdue_called_) {
      overdue_called_ = true;
      if (overdue_) overdue_(*first);
    }
    return;
  }
  // stop_ may block (a Client's stop() waits for a connect in progress to end): it runs on a thread of its own, so
  // that this loop still sees the grace end and a second signal.
  stopper_ = std::thread([this] {
    if (stop_) stop_();
  });
  loop_.add_timer(std::chrono::microseconds(options_.grace), [this] {
    if (overdue_called_) return;
    overdue_called_ = true;
    if (overdue_) overdue_(*reason());
  });
}

}  // namespace ssetool
