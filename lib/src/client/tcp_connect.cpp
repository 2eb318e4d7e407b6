// The client's TCP connect with its failure's reason (see tcp_connect.hpp).
#include "tcp_connect.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

namespace ssetool {
namespace {

constexpr auto kStopCheck = std::chrono::milliseconds(100);

// strerror and gai_strerror begin with a capital ("Connection refused"); curl-like messages do not.
std::string lowercase_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Waits for a non-blocking connect to finish: 0 when connected, else the errno of its failure.
int finish_connect(int fd, const TcpConnectOptions& options, bool& stopped) {
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  for (;;) {
    if (options.stopping && options.stopping()) {
      stopped = true;
      return ECANCELED;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return ETIMEDOUT;
    pollfd p{fd, POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min(left, kStopCheck).count()));
    if (n < 0 && errno != EINTR) return errno;
    if (n <= 0) continue;
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
    return error;
  }
}

// One address: a connected blocking socket, or -1 and `error`.
int connect_address(const addrinfo& address, const TcpConnectOptions& options, int& error, bool& stopped) {
  int fd = ::socket(address.ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = errno;
    return -1;
  }
  error = ::connect(fd, address.ai_addr, address.ai_addrlen) == 0 ? 0 : errno;
  if (error == EINPROGRESS) error = finish_connect(fd, options, stopped);
  if (error != 0) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as httplib's default: requests go out at once
  return fd;
}

}  // namespace

bool is_invalid_name(std::string_view host) {
  constexpr std::string_view kInvalid = "invalid";
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.size() < kInvalid.size()) return false;
  std::string_view tail = host.substr(host.size() - kInvalid.size());
  bool label_start = host.size() == kInvalid.size() || host[host.size() - kInvalid.size() - 1] == '.';
  for (std::size_t i = 0; i < tail.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(tail[i])) != kInvalid[i]) return false;
  return label_start;
}

std::string host_port(const std::string& host, int port) {
  bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

int tcp_connect(const TcpConnectOptions& options, ConnectFailure& failure) {
  if (is_invalid_name(options.host)) {  // RFC 6761: answered here, no query leaves the machine
    failure.stage = ConnectFailure::Stage::resolve;
    failure.name_unknown = true;
    failure.message = "resolve " + options.host + ": " + lowercase_first(gai_strerror(EAI_NONAME));
    return -1;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;  // no AI_ADDRCONFIG: on a host with loopback only it hides 127.0.0.1
  addrinfo* found = nullptr;
  std::string service = std::to_string(options.port);
  int rc = ::getaddrinfo(options.host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    failure.stage = ConnectFailure::Stage::resolve;
    failure.name_unknown = rc == EAI_NONAME;
    std::string why = rc == EAI_SYSTEM ? std::strerror(errno) : rc != 0 ? gai_strerror(rc) : "no address";
    failure.message = "resolve " + options.host + ": " + lowercase_first(why);
    return -1;
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  int error = 0;
  bool stopped = false;
  for (const addrinfo* a = found; a != nullptr && !stopped; a = a->ai_next) {
    int fd = connect_address(*a, options, error, stopped);
    if (fd >= 0) return fd;
  }
  failure.stage = stopped ? ConnectFailure::Stage::stopped : ConnectFailure::Stage::connect;
  std::string why = error == ETIMEDOUT ? "timed out after " + std::to_string(options.timeout.count()) + " ms"
                                       : lowercase_first(std::strerror(error));
  failure.message = "connect " + host_port(options.host, options.port) + ": " + why;
  return -1;
}

}  // namespace ssetool
