// Unit tests for a client's stream over a socket pair: frames written as HTTP chunks, end() with the final
// chunk, end_abruptly() without it, abort() dropping what waits, the slow-client drop at max_queued_bytes,
// a peer that hangs up, the low-water (drained) callback, and the socket handed back after a clean end.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <fcntl.h>
#include <optional>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssetool/loop/session.hpp"
#include "run_bounded.hpp"

using namespace ssetool;
using namespace std::chrono_literals;

namespace {

Frame frame_of(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

// `body` as one HTTP chunk: its size in lower-case hex, CRLF, the bytes, CRLF.
std::string chunk(const std::string& body) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx", body.size());
  return size + std::string("\r\n") + body + "\r\n";
}

// A session writing to one end of a socket pair; the test reads the other end as the client.
struct Harness {
  Loop loop;
  int client = -1;
  DeliveryCounters counters;
  std::shared_ptr<Session> session;
  std::optional<SessionEnd> ended;

  explicit Harness(std::size_t max_queued = 1 << 20, int socket_buffer = 0) {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    if (socket_buffer > 0) {
      setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &socket_buffer, sizeof socket_buffer);
      setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &socket_buffer, sizeof socket_buffer);
    }
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    client = fds[0];
    session = std::make_shared<Session>(loop, std::make_unique<Transport>(fds[1]), Request{}, 7, max_queued,
                                        &counters);
    session->start();
    session->on_close([this](SessionEnd why) {
      ended = why;
      loop.stop();
    });
  }
  ~Harness() { ::close(client); }

  // Runs the loop until it is stopped (the session closing stops it), or at most 10 s.
  void run() { testsupport::run_bounded(loop); }

  // What the client can read now; `eof` says whether the session's end of the socket is closed.
  std::string read_available(bool* eof = nullptr) {
    std::string out;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(client, buf, sizeof buf);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (eof) *eof = n == 0;
      return out;
    }
  }
};

}  // namespace

TEST_CASE("session: queued frames go out together as one HTTP chunk, end() adds the final chunk and closes",
          "[session]") {
  Harness h;
  h.session->push(frame_of("data: a\n\n"));
  h.session->push(frame_of("data: b\n\n"));
  h.session->end();
  h.session->push(frame_of("data: too late\n\n"));  // refused once ending
  h.run();
  REQUIRE(h.ended);
  CHECK(*h.ended == SessionEnd::clean);
  bool eof = false;
  CHECK(h.read_available(&eof) == "12\r\ndata: a\n\ndata: b\n\n\r\n0\r\n\r\n");  // 0x12 = 18 bytes
  CHECK(eof);
  CHECK_FALSE(h.session->is_open());
  CHECK(h.session->frames_sent() == 2);
  CHECK(h.counters.frames == 2);
  CHECK(h.counters.bytes == h.session->bytes_written());
  CHECK(h.session->bytes_written() == 29);  // 4 + 18 + 2, and the final chunk's 5
}

TEST_CASE("session: send and comment encode, frames later in the loop make chunks of their own", "[session]") {
  Harness h;
  h.session->send(Event{.data = "x"});
  h.loop.add_timer(1ms, [&] {
    h.session->comment("hi");
    h.loop.add_timer(1ms, [&] { h.session->end(); });
  });
  h.run();
  CHECK(h.read_available() == chunk("data: x\n\n") + chunk(encode_comment("hi")) + "0\r\n\r\n");
  CHECK(h.session->frames_sent() == 1);  // comments are not frames of the stream
}

TEST_CASE("session: end_abruptly() flushes what waits but leaves out the final chunk", "[session]") {
  Harness h;
  h.session->push(frame_of("data: a\n\n"));
  h.session->end_abruptly();
  h.run();
  REQUIRE(h.ended);
  CHECK(*h.ended == SessionEnd::aborted);
  bool eof = false;
  CHECK(h.read_available(&eof) == "9\r\ndata: a\n\n\r\n");
  CHECK(eof);
}

TEST_CASE("session: abort() closes at once, dropping what waits", "[session]") {
  Harness h;
  h.session->push(frame_of("data: a\n\n"));
  h.session->abort();
  REQUIRE(h.ended);  // on_close ran inside abort()
  CHECK(*h.ended == SessionEnd::aborted);
  CHECK(h.session->queued_bytes() == 0);
  bool eof = false;
  CHECK(h.read_available(&eof).empty());
  CHECK(eof);
  bool late = false;
  h.session->on_close([&](SessionEnd why) { late = why == SessionEnd::aborted; });  // already over: called at once
  CHECK(late);
}

TEST_CASE("session: a client that hangs up is noticed without anything to write", "[session]") {
  Harness h;
  ::shutdown(h.client, SHUT_RDWR);
  h.run();
  REQUIRE(h.ended);
  CHECK(*h.ended == SessionEnd::peer_gone);
}

TEST_CASE("session: a client that reads nothing is dropped as slow past max_queued_bytes", "[session]") {
  Harness h(/*max_queued=*/100 * 1024, /*socket_buffer=*/16 * 1024);
  std::string ten_kib(10 * 1024, 'z');
  int accepted = 0;
  for (int i = 0; i < 1000 && h.session->is_open() && !h.session->is_ending(); ++i, ++accepted)
    h.session->push(frame_of(ten_kib));
  CHECK(h.session->is_ending());  // over the limit: refuses frames until the deferred close
  CHECK(accepted < 1000);
  CHECK(h.session->queued_bytes() <= 100 * 1024);
  h.run();
  REQUIRE(h.ended);
  CHECK(*h.ended == SessionEnd::slow);
}

TEST_CASE("session: one frame larger than the limit still goes out when nothing waits", "[session]") {
  Harness h(/*max_queued=*/1024);
  std::string big(4096, 'b');
  h.session->push(frame_of(big));
  h.session->end();
  h.run();
  REQUIRE(h.ended);
  CHECK(*h.ended == SessionEnd::clean);
  CHECK(h.read_available() == "1000\r\n" + big + "\r\n0\r\n\r\n");
}

TEST_CASE("session: on_drained is called once the queue falls to its low water after being above it",
          "[session]") {
  Harness h(/*max_queued=*/8 << 20, /*socket_buffer=*/16 * 1024);
  std::string sixteen_kib(16 * 1024, 'q');
  for (int i = 0; i < 64; ++i) h.session->push(frame_of(sixteen_kib));  // 1 MiB: far more than the socket takes
  REQUIRE(h.session->queued_bytes() > 256 * 1024);
  int calls = 0;
  std::size_t queued_then = 0;
  h.session->on_drained(256 * 1024, [&] {
    ++calls;
    queued_then = h.session->queued_bytes();
    h.loop.add_timer(20ms, [&] { h.loop.stop(); });  // time for a second call, which must not come
  });
  // The client starts reading only once the socket is full and the session waits for EPOLLOUT.
  std::size_t received = 0;
  h.loop.add_timer(5ms, [&] {
    h.loop.watch(h.client, EPOLLIN, [&](std::uint32_t) { received += h.read_available().size(); });
  });
  h.run();
  h.loop.unwatch(h.client);
  CHECK(calls == 1);
  CHECK(queued_then <= 256 * 1024);
  CHECK(received > 0);
  CHECK(h.session->is_open());
}

TEST_CASE("session: on_drained runs at the end of the iteration, never inside push", "[session]") {
  Harness h(/*max_queued=*/1 << 20, /*socket_buffer=*/200 * 1024);  // room: a large push is written inside push()
  int calls = 0;
  h.session->on_drained(70 * 1024, [&] {
    ++calls;
    h.loop.stop();
  });
  std::string forty_kib(40 * 1024, 'w');
  h.session->push(frame_of(forty_kib));
  h.session->push(frame_of(forty_kib));  // 80 KiB waiting: above the low water, written eagerly
  CHECK(h.session->queued_bytes() == 0);
  CHECK(calls == 0);
  h.run();
  CHECK(calls == 1);
  CHECK(h.read_available().size() > 80 * 1024);
}

TEST_CASE("session: on_drained is not called for a queue that never rose above the low water", "[session]") {
  Harness h;
  int calls = 0;
  h.session->on_drained(64 * 1024, [&] { ++calls; });
  h.session->push(frame_of("data: small\n\n"));
  h.session->end();
  h.run();
  REQUIRE(h.ended);
  CHECK(calls == 0);
}

TEST_CASE("session: hand_back_at_end gives the socket and what the client sent meanwhile back after a clean end",
          "[session]") {
  Harness h;
  std::unique_ptr<Transport> returned;
  std::string kept;
  h.session->hand_back_at_end([&](std::unique_ptr<Transport> transport, std::string input) {
    returned = std::move(transport);
    kept = std::move(input);
  });
  const std::string next = "POST /next HTTP/1.1\r\n";
  REQUIRE(::write(h.client, next.data(), next.size()) == static_cast<ssize_t>(next.size()));
  h.session->push(frame_of("data: a\n\n"));
  h.session->end();  // its flush runs at the end of the loop's first iteration, after the client's bytes are read
  h.run();
  REQUIRE(h.ended);
  CHECK(*h.ended == SessionEnd::clean);
  REQUIRE(returned);
  CHECK(kept == next);
  bool eof = true;
  CHECK(h.read_available(&eof) == chunk("data: a\n\n") + "0\r\n\r\n");
  CHECK_FALSE(eof);  // still open: the socket is the caller's now
  const std::string more = "more";
  CHECK(returned->writev(std::array<iovec, 1>{iovec{const_cast<char*>(more.data()), more.size()}}.data(), 1) == 4);
}

TEST_CASE("session: a stream that does not end cleanly closes its socket even with hand_back_at_end", "[session]") {
  Harness h;
  bool taken = false;
  h.session->hand_back_at_end([&](std::unique_ptr<Transport>, std::string) { taken = true; });
  h.session->push(frame_of("data: a\n\n"));
  h.session->end_abruptly();
  h.run();
  REQUIRE(h.ended);
  CHECK_FALSE(taken);
  bool eof = false;
  h.read_available(&eof);
  CHECK(eof);
}
