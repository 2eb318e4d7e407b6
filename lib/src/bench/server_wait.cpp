// Waiting for the server before a bench run (see bench/server_wait.hpp).
#include "ssetool/bench/server_wait.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <thread>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

// One blocking connect with a bound: 0 when it connected, else its errno.
int probe(const SocketAddress& address, std::chrono::milliseconds timeout) {
  int fd = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int error = ::connect(fd, address.get(), address.length) == 0 ? 0 : errno;
  if (error == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int n;
    do {
      n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (n < 0 && errno == EINTR);
    socklen_t length = sizeof error;
    if (n <= 0) error = ETIMEDOUT;
    else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  }
  ::close(fd);
  return error;
}

std::string describe_limit(std::chrono::milliseconds limit) {
  if (limit.count() % 1000 == 0) return fmt::format("{}s", limit.count() / 1000);
  return fmt::format("{}ms", limit.count());
}

}  // namespace

std::string describe_address(const SocketAddress& address) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (address.family() == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(address.get());
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    return fmt::format("[{}]:{}", text, ntohs(a->sin6_port));
  }
  const auto* a = reinterpret_cast<const sockaddr_in*>(address.get());
  ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
  return fmt::format("{}:{}", text, ntohs(a->sin_port));
}

SocketAddress wait_for_server(const std::vector<SocketAddress>& addresses, const ServerWaitOptions& options) {
  if (options.limit.count() <= 0) return addresses.front();
  const auto deadline = std::chrono::steady_clock::now() + options.limit;
  bool announced = false;
  for (;;) {
    for (const SocketAddress& address : addresses)
      if (probe(address, std::chrono::seconds(1)) != ECONNREFUSED) return address;
    if (std::chrono::steady_clock::now() + kServerWaitPoll > deadline) break;
    if (!announced && options.on_waiting) {
      options.on_waiting(fmt::format("waiting up to {} for {} to accept connections (--wait)",
                                     describe_limit(options.limit), describe_address(addresses.front())));
    }
    announced = true;
    std::this_thread::sleep_for(kServerWaitPoll);
  }
  throw SystemError(fmt::format("connect {}: connection refused (waited {}, see --wait)",
                                describe_address(addresses.front()), describe_limit(options.limit)));
}

}  // namespace ssetool
