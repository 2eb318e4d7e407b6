// Tests of wait_for_server (lib/include/ssetool/bench/server_wait.hpp): bench's wait for a server that is still
// starting. Loopback sockets only: one bound but not listening (refuses), one listening.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/bench/server_wait.hpp"

using namespace std::chrono_literals;

namespace {

// A loopback socket on a free port; listening or not (then connects to it are refused).
struct LoopbackSocket {
  explicit LoopbackSocket(bool listening) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    if (listening) REQUIRE(::listen(fd, 4) == 0);
    socklen_t length = sizeof address.storage;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address.storage), &length);
    address.length = length;
  }
  ~LoopbackSocket() { ::close(fd); }
  int port() const { return ntohs(reinterpret_cast<const sockaddr_in*>(address.get())->sin_port); }
  int fd = -1;
  ssetool::SocketAddress address;
};

}  // namespace

TEST_CASE("wait_for_server: returns at once when the server accepts", "[bench]") {
  LoopbackSocket server(true);
  int waits = 0;
  auto started = std::chrono::steady_clock::now();
  ssetool::wait_for_server({server.address}, {.limit = 10s, .on_waiting = [&](const std::string&) { ++waits; }});
  CHECK(std::chrono::steady_clock::now() - started < 1s);
  CHECK(waits == 0);
}

TEST_CASE("wait_for_server: says once that it waits, then fails naming the address after the limit", "[bench]") {
  LoopbackSocket refusing(false);
  const std::string where = "127.0.0.1:" + std::to_string(refusing.port());
  std::vector<std::string> lines;
  auto started = std::chrono::steady_clock::now();
  try {
    ssetool::wait_for_server({refusing.address},
                             {.limit = 300ms, .on_waiting = [&](const std::string& l) { lines.push_back(l); }});
    FAIL("no exception");
  } catch (const ssetool::SystemError& e) {
    CHECK(std::string(e.what()) == "connect " + where + ": connection refused (waited 300ms, see --wait)");
  }
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= 200ms);
  CHECK(took < 3s);
  CHECK(lines == std::vector<std::string>{"waiting up to 300ms for " + where + " to accept connections (--wait)"});
}

TEST_CASE("wait_for_server: the first address that accepts is the run's", "[bench]") {
  LoopbackSocket refusing(false);
  LoopbackSocket server(true);
  ssetool::SocketAddress chosen = ssetool::wait_for_server({refusing.address, server.address}, {.limit = 10s});
  CHECK(ssetool::describe_address(chosen) == ssetool::describe_address(server.address));
}

TEST_CASE("wait_for_server: a limit of 0 does not wait at all", "[bench]") {
  LoopbackSocket refusing(false);
  int waits = 0;
  ssetool::wait_for_server({refusing.address}, {.limit = 0ms, .on_waiting = [&](const std::string&) { ++waits; }});
  CHECK(waits == 0);
}

TEST_CASE("describe_address: IPv4 and bracketed IPv6 with the port", "[bench]") {
  ssetool::SocketAddress v4;
  auto* a4 = reinterpret_cast<sockaddr_in*>(&v4.storage);
  a4->sin_family = AF_INET;
  a4->sin_port = htons(8080);
  ::inet_pton(AF_INET, "127.0.0.1", &a4->sin_addr);
  CHECK(ssetool::describe_address(v4) == "127.0.0.1:8080");
  ssetool::SocketAddress v6;
  auto* a6 = reinterpret_cast<sockaddr_in6*>(&v6.storage);
  a6->sin6_family = AF_INET6;
  a6->sin6_port = htons(443);
  ::inet_pton(AF_INET6, "::1", &a6->sin6_addr);
  CHECK(ssetool::describe_address(v6) == "[::1]:443");
}
