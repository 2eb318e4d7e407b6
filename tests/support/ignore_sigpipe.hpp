// testsupport::IgnoreSigpipe — SIGPIPE ignored for the scope of a test, as `ssetool serve` does, so that a write to
// a closed pipe fails with EPIPE instead of killing the test binary.
#pragma once

#include <csignal>

namespace testsupport {

struct IgnoreSigpipe {
  struct sigaction old {};
  IgnoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
  }
  ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old, nullptr); }
  IgnoreSigpipe(const IgnoreSigpipe&) = delete;
  IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;
};

}  // namespace testsupport
