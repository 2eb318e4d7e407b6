// testsupport::RawConnection (see raw_connection.hpp): a non-blocking socket, poll() for every deadline, and
// MSG_NOSIGNAL so a closed peer never raises SIGPIPE in the test process.
#include "raw_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace testsupport {
namespace {

using Clock = std::chrono::steady_clock;

int poll_timeout(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Waits until `fd` is ready for `events`; false on timeout.
bool wait_ready(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, poll_timeout(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

}  // namespace

RawConnection::RawConnection(int port, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto deadline = Clock::now() + timeout;
  int result = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  int error = result == 0 ? 0 : errno;
  if (error == EINPROGRESS) {
    error = ETIMEDOUT;
    if (wait_ready(fd_, POLLOUT, deadline)) {
      socklen_t size = sizeof error;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size);
    }
  }
  if (error != 0) {
    close();
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(error));
  }
}

RawConnection::~RawConnection() { close(); }

bool RawConnection::send_all(std::string_view bytes, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!bytes.empty() && fd_ >= 0) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      if (!wait_ready(fd_, POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  return bytes.empty();
}

std::size_t RawConnection::read_some(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (fd_ >= 0 && !closed_by_peer_) {
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      received_.append(buffer, static_cast<std::size_t>(n));
      return static_cast<std::size_t>(n);
    }
    if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      closed_by_peer_ = true;
      reset_by_peer_ = n < 0 && errno == ECONNRESET;
      return 0;
    }
    if (errno == EAGAIN && !wait_ready(fd_, POLLIN, deadline)) return 0;
  }
  return 0;
}

std::optional<std::size_t> RawConnection::read_until(std::string_view text, std::chrono::milliseconds timeout,
                                                     std::size_t from) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    std::size_t position = from <= received_.size() ? received_.find(text, from) : std::string::npos;
    if (position != std::string::npos) return position;
    if (closed_by_peer_ || fd_ < 0 || Clock::now() >= deadline) return std::nullopt;
    read_some(std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()));
  }
}

bool RawConnection::read_to_end(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!closed_by_peer_ && fd_ >= 0 && Clock::now() < deadline) {
    read_some(std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()));
  }
  return closed_by_peer_;
}

void RawConnection::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace testsupport
