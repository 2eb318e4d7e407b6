// The stdio MCP child the mcp unit tests run: a Python script, spawned the way the bridge spawns a server (pipes,
// a session of its own, a pidfd, non-blocking).
#pragma once

#include "ssetool/sources/process.hpp"

namespace testsupport {

inline ssetool::ProcessOptions python_child(const char* script) {
  using namespace ssetool;
  return ProcessOptions{.argv = {"python3", "-c", script},
                        .program = find_executable("python3", "/usr/bin:/bin:/usr/local/bin"),
                        .in = StreamMode::pipe,
                        .out = StreamMode::pipe,
                        .err = StreamMode::pipe,
                        .grouping = Grouping::session,
                        .pidfd = true,
                        .nonblocking = true};
}

}  // namespace testsupport
