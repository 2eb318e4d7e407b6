// Tests of StopWatcher (lib/include/ssetool/client/stop_watcher.hpp): the deadline, a signal on the loop's
// signalfd, the grace after a stop and a second signal, and a run that ends by itself. A "run" here is a wait on
// a flag that the stop callback sets, as a Client's run() ends on stop().
#include <catch2/catch.hpp>

#include <pthread.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <mutex>

#include "ssetool/client/stop_watcher.hpp"

using namespace std::chrono_literals;
using ssetool::StopReason;
using ssetool::StopWatcher;

namespace {

constexpr auto kBound = 10s;  // no wait below lasts this long unless something is broken

// What the watcher's callbacks did, awaitable from the test's thread.
struct Calls {
  std::mutex mutex;
  std::condition_variable changed;
  int stops = 0;
  std::vector<StopReason> overdue;

  std::function<void()> stop() {
    return [this] {
      std::lock_guard lock(mutex);
      ++stops;
      changed.notify_all();
    };
  }
  std::function<void(StopReason)> on_overdue() {
    return [this](StopReason why) {
      std::lock_guard lock(mutex);
      overdue.push_back(why);
      changed.notify_all();
    };
  }
  // Reads what the callbacks wrote, under the lock they write it with.
  template <typename Read>
  auto locked(Read read) {
    std::lock_guard lock(mutex);
    return read();
  }
  bool wait(const std::function<bool()>& done) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, kBound, done);
  }
};

// SIGUSR2 blocked in this thread (and so in the watcher's) and ignored by the process, for one test: a signal sent
// to the process then waits on the watcher's signalfd, and a stray one is dropped rather than fatal.
struct BlockedSignal {
  static constexpr int kSignal = SIGUSR2;
  BlockedSignal() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(kSignal, &ignore, &old_action);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, kSignal);
    pthread_sigmask(SIG_BLOCK, &set, &old_mask);
  }
  ~BlockedSignal() {
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);  // a pending one is discarded: it is ignored
    ::sigaction(kSignal, &old_action, nullptr);
  }
  struct sigaction old_action {};
  sigset_t old_mask{};
};

}  // namespace

TEST_CASE("StopWatcher: the deadline stops the run, then the grace calls overdue", "[client][stop][concurrency]") {
  Calls calls;
  auto started = std::chrono::steady_clock::now();
  StopWatcher watcher({.deadline = 50ms, .grace = 100ms}, calls.stop(), calls.on_overdue());
  REQUIRE(calls.wait([&] { return calls.stops == 1; }));
  CHECK(std::chrono::steady_clock::now() - started >= 50ms);
  REQUIRE(watcher.reason());
  CHECK(watcher.reason()->kind == StopReason::Kind::deadline);
  REQUIRE(calls.wait([&] { return !calls.overdue.empty(); }));  // the "run" never ends here
  CHECK(std::chrono::steady_clock::now() - started >= 150ms);
  CHECK(calls.overdue[0].kind == StopReason::Kind::deadline);
  CHECK(calls.stops == 1);
}

TEST_CASE("StopWatcher: a stop that blocks does not hold up the grace or a second signal",
          "[client][stop][concurrency]") {
  BlockedSignal blocked;
  Calls calls;
  std::mutex gate;  // the stop waits on it, as a Client's stop() waits for a connect in progress to end
  auto stop = calls.stop();
  StopWatcher watcher({.signals = {BlockedSignal::kSignal}, .grace = 1h},
                      [&] {
                        stop();
                        std::lock_guard wait(gate);
                      },
                      calls.on_overdue());
  std::unique_lock closed(gate);  // after the watcher: unlocked first, so the watcher can always be joined
  ::kill(::getpid(), BlockedSignal::kSignal);
  REQUIRE(calls.wait([&] { return calls.stops == 1; }));
  ::kill(::getpid(), BlockedSignal::kSignal);
  REQUIRE(calls.wait([&] { return !calls.overdue.empty(); }));
  CHECK(calls.overdue[0].signal == BlockedSignal::kSignal);
}

TEST_CASE("StopWatcher: the grace runs out while the stop blocks", "[client][stop][concurrency]") {
  Calls calls;
  std::mutex gate;
  auto stop = calls.stop();
  StopWatcher watcher({.deadline = 100ms, .grace = 50ms},  // the gate is closed long before the deadline
                      [&] {
                        stop();
                        std::lock_guard wait(gate);
                      },
                      calls.on_overdue());
  std::unique_lock closed(gate);
  REQUIRE(calls.wait([&] { return !calls.overdue.empty(); }));
  CHECK(calls.locked([&] { return calls.overdue[0].kind; }) == StopReason::Kind::deadline);
}

TEST_CASE("StopWatcher: a run that ends by itself is never stopped", "[client][stop][concurrency]") {
  Calls calls;
  {
    StopWatcher watcher({.deadline = 1h}, calls.stop(), calls.on_overdue());
    CHECK_FALSE(watcher.reason());
  }
  CHECK(calls.stops == 0);
  CHECK(calls.overdue.empty());
}

TEST_CASE("StopWatcher: a signal stops the run, a second one is overdue at once", "[client][stop][concurrency]") {
  BlockedSignal blocked;
  Calls calls;
  StopWatcher watcher({.signals = {BlockedSignal::kSignal}, .grace = 1h}, calls.stop(), calls.on_overdue());
  ::kill(::getpid(), BlockedSignal::kSignal);
  REQUIRE(calls.wait([&] { return calls.stops == 1; }));
  REQUIRE(watcher.reason());
  CHECK(watcher.reason()->kind == StopReason::Kind::signal);
  CHECK(watcher.reason()->signal == BlockedSignal::kSignal);
  CHECK(calls.locked([&] { return calls.overdue.empty(); }));
  ::kill(::getpid(), BlockedSignal::kSignal);
  REQUIRE(calls.wait([&] { return !calls.overdue.empty(); }));
  CHECK(calls.locked([&] { return calls.overdue[0].signal; }) == BlockedSignal::kSignal);
  CHECK(calls.locked([&] { return calls.stops; }) == 1);
}

TEST_CASE("StopWatcher: a signal after the deadline is overdue with the deadline's reason",
          "[client][stop][concurrency]") {
  BlockedSignal blocked;
  Calls calls;
  StopWatcher watcher({.signals = {BlockedSignal::kSignal}, .deadline = 1ms, .grace = 1h}, calls.stop(),
                      calls.on_overdue());
  REQUIRE(calls.wait([&] { return calls.stops == 1; }));
  ::kill(::getpid(), BlockedSignal::kSignal);
  REQUIRE(calls.wait([&] { return !calls.overdue.empty(); }));
  CHECK(calls.locked([&] { return calls.overdue[0].kind; }) == StopReason::Kind::deadline);
}
