// A server whose stderr nobody reads keeps serving: the per-client log lines (two per stream) fill a 64 KiB pipe
// after a few hundred clients, and before LogWriter the loop then blocked in its write, for ever. The server is
// started by hand (posix_spawn) so that its stderr can be a pipe this test never reads.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

extern char** environ;

namespace {

// Waits (bounded) for the port file, then reads it.
int await_port(const std::string& path) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    std::ifstream in(path);
    int port = 0;
    if (in >> port && port > 0) return port;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(10ms);
  }
}

// Waits (bounded) for the child's exit; its exit status, or -1 when it did not exit in time (then killed).
int await_exit(pid_t pid, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(10ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The spawned server, killed and reaped if the test ends before it exited.
struct SpawnedChild {
  pid_t pid = 0;
  ~SpawnedChild() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

}  // namespace

TEST_CASE("a server whose stderr is never read keeps serving and stops on SIGTERM", "[server][log]") {
  TempDir dir;
  int input[2], errors[2];
  REQUIRE(::pipe2(input, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(errors, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input[0], 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, errors[1], 2);
  std::string port_file = dir.file("port");
  std::vector<std::string> args{SSETOOL_BINARY, "pipe", "--listen", "127.0.0.1:0", "--port-file", port_file,
                                "--on-eof", "stay", "--grace", "200ms"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  SpawnedChild child;
  REQUIRE(::posix_spawn(&child.pid, SSETOOL_BINARY, &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(input[0]);
  ::close(errors[1]);
  int port = await_port(port_file);

  // 1,500 streams opened and closed: about 150 KB of log lines, more than the pipe holds.
  for (int i = 0; i < 1500; ++i) {
    RawConnection c(port);
    REQUIRE(c.send_all("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(c.read_until("\r\n\r\n", 5s));
  }
  CHECK(http_request(port, "GET", "/healthz", {}, {}, 5s).status == 200);
  RawConnection reader(port);
  REQUIRE(reader.send_all("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(reader.read_until("\r\n\r\n", 5s));
  REQUIRE(::write(input[1], "hello\n", 6) == 6);
  CHECK(reader.read_until("data: hello", 5s));

  ::kill(child.pid, SIGTERM);
  CHECK(await_exit(child.pid, 10s) == 0);  // the log lines still waiting are given up after 2 s
  child.pid = 0;
  ::close(input[1]);
  ::close(errors[0]);
}
