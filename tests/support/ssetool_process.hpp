// testsupport::start_ssetool — runs the built ssetool binary (the SSETOOL_BINARY compile definition) for an
// integration test. For servers it appends `--listen 127.0.0.1:0 --port-file DIR/port` and waits until the
// server has written its port, so the test can connect at once:
//
//   auto server = testsupport::start_ssetool({"pipe"}, {.stdin_text = "hello\n"});
//   testsupport::SseClient client(server.port, "/events");
//
// For clients (`listen`, `bench`) pass {.listen = false}: the process starts and port stays 0.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace testsupport {

struct SsetoolOptions {
  bool listen = true;                       // append --listen 127.0.0.1:0 --port-file DIR/port and wait for it
  std::optional<std::string> stdin_text = {};  // written to stdin at start
  bool close_stdin = false;                 // close stdin after stdin_text (or at once without it)
  std::vector<std::pair<std::string, std::string>> env = {};
  std::chrono::milliseconds startup_timeout = std::chrono::seconds(20);
};

struct SsetoolProcess {
  std::unique_ptr<TempDir> dir;        // holds the port file; free for the test's own files too
  std::unique_ptr<Process> process;
  int port = 0;                        // 0 unless options.listen
};

// An ssetool stopped with SIGTERM (and waited for, up to 15 s) when it goes out of scope, so that it stops its own
// children (serve, serve --mcp): the support's SIGKILL clean-up would leave their grandchildren behind.
struct TerminatedSsetool : SsetoolProcess {
  explicit TerminatedSsetool(SsetoolProcess p) : SsetoolProcess(std::move(p)) {}
  TerminatedSsetool(TerminatedSsetool&&) = default;
  ~TerminatedSsetool();
};

// The path of the built binary.
std::string ssetool_binary();

// Starts `ssetool ARGS...`. Throws std::runtime_error, with the server's stderr, when it exits before writing its
// port or does not write it within startup_timeout.
SsetoolProcess start_ssetool(const std::vector<std::string>& args, const SsetoolOptions& options = {});

// Starts `ssetool pipe EXTRA...`: the server under test of test_pipe.cpp and test_server.cpp.
SsetoolProcess start_pipe(std::vector<std::string> extra = {});

}  // namespace testsupport
