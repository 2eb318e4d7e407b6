// testsupport::RedisServer — a real redis-server for the backplane tests, on a free loopback port, with its own
// temporary directory (append-only file on, fsync on every write: a restart keeps every acknowledged entry), and
// small stream nodes so that `MAXLEN ~ N` trims close to N. Stopped (and its files removed) when it goes.
//
//   testsupport::RedisServer redis;
//   auto node = testsupport::start_pipe({"--backplane", redis.url()});
//   redis.stop();      // SIGTERM, waited for
//   redis.start();     // again, same port and data
#pragma once

#include <memory>
#include <string>

#include "process.hpp"
#include "temp_dir.hpp"

namespace testsupport {

class RedisServer {
 public:
  // Starts it on `port` (0: a free one) and waits until it accepts connections. Throws std::runtime_error (with
  // its output) otherwise.
  explicit RedisServer(int port = 0);
  ~RedisServer();

  void start();
  void stop();
  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// Sends one command to the Redis on `port` in its inline form ("ACL SETUSER ..."): its reply line ("+OK"). Throws
// std::runtime_error when no reply line comes.
std::string redis_command(int port, const std::string& line);

// A loopback TCP port free when asked (bound and released: for servers that cannot be told to take port 0).
int free_tcp_port();

}  // namespace testsupport
