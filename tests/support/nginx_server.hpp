// testsupport::NginxServer — a real nginx in front of ssetool nodes for the load-balancer test: round-robin over
// the given loopback ports with the README's proxy settings (HTTP/1.1 to the nodes, no buffering, long read
// timeout, the next node on an error), on a free port, in a temporary prefix directory of its own, in the
// foreground; stopped (SIGQUIT, then SIGKILL by Process if need be) when it goes.
#pragma once

#include <memory>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace testsupport {

class NginxServer {
 public:
  // Starts it and waits until it answers. Throws std::runtime_error (with its error log) otherwise.
  explicit NginxServer(const std::vector<int>& upstream_ports);
  ~NginxServer();
  int port() const { return port_; }

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace testsupport
