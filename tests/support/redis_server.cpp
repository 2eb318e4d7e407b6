// A redis-server for tests (see redis_server.hpp).
#include "redis_server.hpp"

#include "raw_connection.hpp"

#include <csignal>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace testsupport {

int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("free_tcp_port: cannot bind a loopback socket");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string redis_command(int port, const std::string& line) {
  RawConnection redis(port);
  auto end = redis.send_all(line + "\r\n") ? redis.read_until("\r\n") : std::nullopt;
  if (!end) throw std::runtime_error("redis_command: no reply to " + line);
  return redis.received().substr(0, *end);
}

RedisServer::RedisServer(int port) : port_(port ? port : free_tcp_port()) { start(); }

RedisServer::~RedisServer() { stop(); }

void RedisServer::start() {
  process_ = std::make_unique<Process>(std::vector<std::string>{
      "redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir", dir_.path(), "--save", "",
      "--appendonly", "yes", "--appendfsync", "always", "--stream-node-max-entries", "4", "--logfile", "",
      "--daemonize", "no"});
  if (!process_->wait_for_stdout("Ready to accept connections", kDefaultTimeout))
    throw std::runtime_error("redis-server did not start: " + process_->stdout_text() + process_->stderr_text());
}

void RedisServer::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  process_->wait(kDefaultTimeout);
  process_.reset();
}

}  // namespace testsupport
