// Unit tests for the relay of `replay --record-from` (replay/upstream_relay.hpp): an upstream's reads, handed over
// by a thread of their own, reach the client's session in order; while the client does not read, the thread is
// held back (back-pressure) instead of queueing the whole stream; close() releases a thread that waits.
#include <catch2/catch.hpp>

#include <atomic>
#include <fcntl.h>
#include <future>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "run_bounded.hpp"
#include "ssetool/replay/upstream_relay.hpp"

using namespace ssetool;
using namespace std::chrono_literals;

namespace {

// Everything readable now from `fd` (non-blocking); `eof` set when the other end is closed.
std::string read_available(int fd, bool& eof) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    eof = n == 0;
    return out;
  }
}

}  // namespace

TEST_CASE("upstream relay: a client that does not read holds the upstream back, then gets every read in order",
          "[replay][record][concurrency]") {
  Loop loop;
  int fds[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  int small = 16 << 10;
  setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  fcntl(fds[1], F_SETFL, O_NONBLOCK);
  auto session = std::make_shared<Session>(loop, std::make_unique<Transport>(fds[1]), Request{}, 1, 64u << 20);
  session->set_chunked(false);  // the client reads the relayed bytes as they are
  session->start();

  constexpr std::size_t kHighWater = 64 << 10, kPiece = 4096, kPieces = 256;  // 1 MiB in all
  auto relay = std::make_shared<UpstreamRelay>(kHighWater, [] {});
  std::string expected;
  for (std::size_t i = 0; i < kPieces; ++i) expected += std::string(kPiece, static_cast<char>('a' + i % 26));
  std::atomic<std::size_t> delivered{0};
  std::thread upstream([&] {
    for (std::size_t i = 0; i < kPieces; ++i) {
      if (!relay->deliver(std::string_view(expected).substr(i * kPiece, kPiece))) return;
      delivered += kPiece;
    }
    relay->finish(true);
  });

  std::string received;
  std::function<void()> drain = [&] {
    bool eof = false;
    received += read_available(fds[0], eof);
    if (eof) loop.stop();
    else loop.add_timer(1ms, drain);
  };
  loop.post([&] { relay->attach(*session); });
  loop.add_timer(300ms, [&] {  // the client has read nothing so far
    CHECK(delivered.load() < expected.size());
    CHECK(delivered.load() <= kHighWater + (512u << 10));  // the bound, plus what the socket holds
    // Bytes the relay released while the session's queue was under its low-water mark (a quarter of the high
    // water) may still be queued, beside the high water held back: the session never holds more than both.
    CHECK(session->queued_bytes() <= kHighWater + kHighWater / 4 + kPiece);
    drain();
  });
  testsupport::run_bounded(loop);
  upstream.join();
  ::close(fds[0]);
  CHECK(received.size() == expected.size());
  CHECK(received == expected);
}

TEST_CASE("upstream relay: close() releases an upstream thread waiting for room, which then stops reading",
          "[replay][record][concurrency]") {
  std::atomic<int> gone{0};
  auto relay = std::make_shared<UpstreamRelay>(1024, [&] { ++gone; });
  std::promise<void> first_in;
  std::atomic<bool> second_refused{false};
  std::thread upstream([&] {
    CHECK(relay->deliver(std::string(2048, 'x')));  // room for it: nothing was on its way
    first_in.set_value();
    second_refused = !relay->deliver(std::string(10, 'y'));  // waits: 2048 bytes on their way, over 1024
  });
  REQUIRE(first_in.get_future().wait_for(10s) == std::future_status::ready);
  relay->close();
  upstream.join();
  CHECK(second_refused);
  relay->close();
  relay->abandon();
  CHECK(gone == 1);  // once
  CHECK_FALSE(relay->deliver("z"));
}
