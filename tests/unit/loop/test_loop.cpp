// Unit tests for the stream loop: timers in due order and cancelled ones never run, work posted from other
// threads runs on the loop's thread, deferred work runs after every handler of its iteration, descriptors
// watched and unwatched, signals received through watch_signals, stop from another thread.
#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

#include "ssetool/loop/loop.hpp"
#include "run_bounded.hpp"

using namespace ssetool;
using testsupport::run_bounded;
using namespace std::chrono_literals;

namespace {

// An eventfd made readable on demand.
struct Wakeable {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ~Wakeable() { ::close(fd); }
  void signal() {
    std::uint64_t one = 1;
    REQUIRE(::write(fd, &one, sizeof one) == sizeof one);
  }
  void clear() {
    std::uint64_t n;
    [[maybe_unused]] auto r = ::read(fd, &n, sizeof n);
  }
};

}  // namespace

TEST_CASE("loop: timers run in order of their due time, a cancelled one never runs", "[loop]") {
  Loop loop;
  std::vector<int> order;
  auto now = Loop::Clock::now();
  loop.add_timer(now + 30ms, [&] {
    order.push_back(3);
    loop.stop();
  });
  loop.add_timer(now + 10ms, [&] { order.push_back(1); });
  auto cancelled = loop.add_timer(now + 20ms, [&] { order.push_back(99); });
  loop.add_timer(now + 20ms, [&] { order.push_back(2); });
  loop.cancel_timer(cancelled);
  run_bounded(loop);
  CHECK(order == std::vector<int>{1, 2, 3});
  CHECK(Loop::Clock::now() - now >= 30ms);  // a timer never fires early
  loop.cancel_timer(cancelled);             // an id already cancelled (or run): a no-op
}

TEST_CASE("loop: a timer may add and cancel timers while it runs", "[loop]") {
  Loop loop;
  std::vector<std::string> ran;
  Loop::TimerId later = loop.add_timer(50ms, [&] { ran.push_back("later"); });
  loop.add_timer(1ms, [&] {
    ran.push_back("first");
    loop.cancel_timer(later);
    loop.add_timer(1ms, [&] {
      ran.push_back("added");
      loop.stop();
    });
  });
  run_bounded(loop);
  CHECK(ran == std::vector<std::string>{"first", "added"});
}

TEST_CASE("loop: work posted from other threads runs on the loop's thread, in order per thread",
          "[loop][concurrency]") {
  Loop loop;
  std::vector<int> seen;  // touched on the loop's thread only
  std::atomic<int> off_thread{0};
  std::thread poster([&] {
    for (int i = 0; i < 1000; ++i)
      loop.post([&, i] {
        if (!loop.in_loop_thread()) off_thread.fetch_add(1);
        seen.push_back(i);
        if (i == 999) loop.stop();
      });
  });
  run_bounded(loop);
  poster.join();
  CHECK(off_thread == 0);
  REQUIRE(seen.size() == 1000);
  bool in_order = true;
  for (int i = 0; i < 1000; ++i) in_order = in_order && seen[i] == i;
  CHECK(in_order);
}

TEST_CASE("loop: stop() from another thread ends run()", "[loop][concurrency]") {
  Loop loop;
  std::thread stopper([&] { loop.stop(); });
  run_bounded(loop);
  stopper.join();
  SUCCEED("run() returned");
}

TEST_CASE("loop: deferred work runs after every handler of the iteration", "[loop]") {
  Loop loop;
  Wakeable a, b;
  std::vector<std::string> order;
  auto handler = [&](const char* name, Wakeable& w) {
    return [&, name](std::uint32_t) {
      w.clear();
      order.push_back(name);
      if (order.size() == 1) {
        loop.defer([&] {
          order.push_back("deferred");
          loop.defer([&] {  // deferred from deferred work: still this iteration
            order.push_back("deferred again");
            loop.stop();
          });
        });
      }
    };
  };
  loop.watch(a.fd, EPOLLIN, handler("a", a));
  loop.watch(b.fd, EPOLLIN, handler("b", b));
  a.signal();
  b.signal();
  run_bounded(loop);
  REQUIRE(order.size() == 4);
  CHECK(order[2] == "deferred");
  CHECK(order[3] == "deferred again");
  loop.unwatch(a.fd);
  loop.unwatch(b.fd);
}

TEST_CASE("loop: a watched descriptor calls its handler until it is unwatched, even from the handler", "[loop]") {
  Loop loop;
  Wakeable w;
  int calls = 0;
  loop.watch(w.fd, EPOLLIN, [&](std::uint32_t events) {
    CHECK((events & EPOLLIN) != 0);
    ++calls;
    loop.unwatch(w.fd);  // still readable: only unwatching keeps it from being called again
    loop.add_timer(20ms, [&] { loop.stop(); });
  });
  w.signal();
  run_bounded(loop);
  CHECK(calls == 1);
}

TEST_CASE("loop: modify changes the events a descriptor is watched for", "[loop]") {
  Loop loop;
  Wakeable w;  // always writable, readable only once signalled
  std::vector<std::uint32_t> seen;
  loop.watch(w.fd, EPOLLIN, [&](std::uint32_t events) {
    seen.push_back(events);
    if (events & EPOLLIN) {
      w.clear();
      loop.modify(w.fd, EPOLLOUT);
    } else {
      loop.unwatch(w.fd);
      loop.stop();
    }
  });
  loop.post([&] { w.signal(); });
  run_bounded(loop);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == EPOLLIN);
  CHECK(seen[1] == EPOLLOUT);
}

TEST_CASE("loop: signals blocked in the thread arrive through watch_signals", "[loop]") {
  sigset_t usr1, old;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, &old);  // as block_signals does, restored below
  std::vector<int> received;
  {
    Loop loop;
    loop.watch_signals({SIGUSR1}, [&](int signal) {
      received.push_back(signal);
      loop.stop();
    });
    loop.post([] { ::raise(SIGUSR1); });  // directed at this thread, where the loop runs
    run_bounded(loop);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  CHECK(received == std::vector<int>{SIGUSR1});
}
