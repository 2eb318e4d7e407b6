// testsupport::RawConnection — a plain TCP connection to 127.0.0.1:PORT for tests that need to see or send exact
// bytes (hand-written requests, half-closed sockets, slow readers). Every operation has a deadline.
//
//   testsupport::RawConnection c(port);
//   c.send_all("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
//   REQUIRE(c.read_until("\r\n\r\n"));
//   CHECK(c.received().starts_with("HTTP/1.1 200"));
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "process.hpp"  // kDefaultTimeout

namespace testsupport {

class RawConnection {
 public:
  // Connects; throws std::runtime_error when that fails or takes longer than `timeout`.
  explicit RawConnection(int port, std::chrono::milliseconds timeout = kDefaultTimeout);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends all of `bytes`; false when the peer is gone or it did not go out in time.
  bool send_all(std::string_view bytes, std::chrono::milliseconds timeout = kDefaultTimeout);

  // Reads what arrives within `timeout` and appends it to received(): the number of new bytes, 0 on timeout or
  // at the end of the stream (then closed_by_peer() is true).
  std::size_t read_some(std::chrono::milliseconds timeout = kDefaultTimeout);

  // Reads until received() contains `text` at or after `from`: its position, or nullopt when the timeout passes
  // or the peer closes first.
  std::optional<std::size_t> read_until(std::string_view text, std::chrono::milliseconds timeout = kDefaultTimeout,
                                        std::size_t from = 0);

  // Reads until the peer closes the connection; false on timeout.
  bool read_to_end(std::chrono::milliseconds timeout = kDefaultTimeout);

  // Everything received so far.
  const std::string& received() const { return received_; }

  // True once the peer ended the connection (orderly close or reset); reset_by_peer() tells which.
  bool closed_by_peer() const { return closed_by_peer_; }
  bool reset_by_peer() const { return reset_by_peer_; }

  // Half-close: no more sending, reading still works.
  void shutdown_write();
  void close();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string received_;
  bool closed_by_peer_ = false;
  bool reset_by_peer_ = false;
};

}  // namespace testsupport
