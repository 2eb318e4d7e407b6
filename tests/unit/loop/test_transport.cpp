// Unit tests for the plain transport over a socket pair (and a pipe): reads, gathered writes, end of stream,
// and which way a call that would block waits (last_wait), as the loop and the workers rely on it.
#include <catch2/catch.hpp>

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include "ssetool/loop/transport.hpp"

using namespace ssetool;

namespace {

// A non-blocking socket pair: `ours` is wrapped in a Transport, `peer` is the other end.
struct SocketPair {
  int ours = -1, peer = -1;
  SocketPair() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    ours = fds[0];
    peer = fds[1];
  }
  ~SocketPair() {
    if (peer >= 0) ::close(peer);
  }
};

iovec iov_of(const std::string& s) { return {const_cast<char*>(s.data()), s.size()}; }

}  // namespace

TEST_CASE("transport: writev gathers its buffers into one write, read returns what the peer sent", "[transport]") {
  SocketPair pair;
  Transport t(pair.ours);
  CHECK(t.fd() == pair.ours);
  std::string a = "hello, ", b = "chunked ", c = "world";
  iovec iov[3] = {iov_of(a), iov_of(b), iov_of(c)};
  CHECK(t.writev(iov, 3) == 20);
  CHECK(t.last_wait() == IoWait::none);
  char buf[64];
  REQUIRE(::read(pair.peer, buf, sizeof buf) == 20);
  CHECK(std::string(buf, 20) == "hello, chunked world");

  REQUIRE(::write(pair.peer, "back", 4) == 4);
  CHECK(t.read(buf, sizeof buf) == 4);
  CHECK(std::string(buf, 4) == "back");
  CHECK(t.last_wait() == IoWait::none);
  CHECK_FALSE(t.has_buffered_input());
}

TEST_CASE("transport: a read with nothing to read says it waits for reading", "[transport]") {
  SocketPair pair;
  Transport t(pair.ours);
  char buf[16];
  errno = 0;
  ssize_t n = t.read(buf, sizeof buf);
  int error = errno;
  CHECK(n == -1);
  CHECK(error == EAGAIN);
  CHECK(t.last_wait() == IoWait::read);
}

TEST_CASE("transport: a write into a full socket says it waits for writing", "[transport]") {
  SocketPair pair;
  Transport t(pair.ours);
  std::string block(64 * 1024, 'x');
  iovec iov = iov_of(block);
  ssize_t n = 0;
  for (int i = 0; i < 10000 && (n = t.writev(&iov, 1)) > 0; ++i) {
  }
  int error = errno;
  CHECK(n == -1);
  CHECK(error == EAGAIN);
  CHECK(t.last_wait() == IoWait::write);
  char buf[65536];
  CHECK(::read(pair.peer, buf, sizeof buf) > 0);  // room again: the next write goes through
  CHECK(t.writev(&iov, 1) > 0);
  CHECK(t.last_wait() == IoWait::none);
}

TEST_CASE("transport: end of stream reads 0, a write to a closed peer fails without SIGPIPE", "[transport]") {
  SocketPair pair;
  Transport t(pair.ours);
  ::close(pair.peer);
  pair.peer = -1;
  char buf[16];
  CHECK(t.read(buf, sizeof buf) == 0);
  std::string s = "gone";
  iovec iov = iov_of(s);
  ssize_t n = t.writev(&iov, 1);  // MSG_NOSIGNAL: an error, not a signal that kills the test
  int error = errno;
  CHECK(n == -1);
  CHECK(error == EPIPE);
}

TEST_CASE("transport: writev on a pipe falls back to writev(2)", "[transport]") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  {
    Transport t(fds[1]);  // closes the write end when it goes
    std::string a = "through ", b = "a pipe";
    iovec iov[2] = {iov_of(a), iov_of(b)};
    CHECK(t.writev(iov, 2) == 14);
  }
  char buf[32];
  CHECK(::read(fds[0], buf, sizeof buf) == 14);
  CHECK(std::string(buf, 14) == "through a pipe");
  CHECK(::read(fds[0], buf, sizeof buf) == 0);  // the transport closed its descriptor
  ::close(fds[0]);
}
