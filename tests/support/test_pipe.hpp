// testsupport::Pipe — a pipe for unit tests that feed a reader or drain a writer: both ends close-on-exec (and
// non-blocking if asked), closed when it goes unless taken.
//
//   testsupport::Pipe pipe(O_NONBLOCK);
//   FdReader reader(loop, pipe.take_read(), ...);
//   pipe.write("line\n");
//   ::close(pipe.take_write());   // end of input
#pragma once

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <utility>

namespace testsupport {

struct Pipe {
  int read_end = -1, write_end = -1;
  explicit Pipe(int flags = 0) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC | flags) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  int take_read() { return std::exchange(read_end, -1); }
  int take_write() { return std::exchange(write_end, -1); }
  void write(const std::string& s) { REQUIRE(::write(write_end, s.data(), s.size()) == static_cast<ssize_t>(s.size())); }
};

}  // namespace testsupport
