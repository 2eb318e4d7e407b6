// Unit tests for `serve` children: spawning with pipes or a pty, what the child inherits, signalling its group,
// reading the exit status without reaping, the destructor's clean-up, and looking the command up in PATH.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/sources/process.hpp"
#include "process_state.hpp"

using namespace ssetool;
using namespace std::chrono_literals;
using testsupport::process_state;
using testsupport::wait_dead;

namespace {

ServeProcess spawn_sh(const std::string& script, bool pty = false) {
  return ServeProcess::spawn({.program = "/bin/sh",
                              .argv = {"sh", "-c", script},
                              .env = {"PATH=/usr/local/bin:/usr/bin:/bin"},
                              .pty = pty});
}

// Everything readable from `fd` until end of output (EOF, or EIO for a pty), waiting at most 10 s.
std::string read_all(int fd) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EAGAIN) break;
  }
  ::close(fd);
  return out;
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

}  // namespace

TEST_CASE("serve process: stdin, stdout and stderr are pipes; exit status after reaping", "[serve]") {
  auto p = spawn_sh("read x; echo \"out $x\"; echo \"err $x\" >&2; exit 3");
  int in = p.take_stdin();
  REQUIRE(::write(in, "hi\n", 3) == 3);
  ::close(in);
  CHECK(read_all(p.take_stdout()) == "out hi\n");
  CHECK(read_all(p.take_stderr()) == "err hi\n");
  REQUIRE(wait_readable(p.pidfd(), 10s));
  auto status = p.exit_status();
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 3);
  CHECK(process_state(p.pid()) == 'Z');  // exited, not reaped: its pid stays reserved
  p.reap();
  CHECK(process_state(p.pid()) == 0);
  CHECK(exit_status_text(*status) == "3");
}

TEST_CASE("serve process: the child inherits no descriptor beyond 0, 1 and 2", "[serve]") {
  int leak[2];
  REQUIRE(::pipe(leak) == 0);  // not close-on-exec: only closefrom keeps it from the child
  auto p = spawn_sh("ls /proc/$$/fd");  // the shell's descriptors (ls's own directory handle is not among them)
  std::string listing = read_all(p.take_stdout());
  ::close(leak[0]);
  ::close(leak[1]);
  CHECK(listing == "0\n1\n2\n");
}

TEST_CASE("serve process: the child runs in its own session with default signal dispositions", "[serve]") {
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  auto p = spawn_sh("cat /proc/$$/stat; grep SigIgn /proc/self/status");
  std::string out = read_all(p.take_stdout());
  ::sigaction(SIGPIPE, &old, nullptr);
  // /proc/PID/stat: "pid (comm) state ppid pgrp session ..."
  std::istringstream fields(out.substr(out.find(')') + 2));
  std::string state;
  long ppid = 0, pgrp = 0, session = 0;
  fields >> state >> ppid >> pgrp >> session;
  CHECK(session == p.pid());  // a session leader...
  CHECK(pgrp == p.pid());     // ...and a process group leader
  auto at = out.find("SigIgn:\t");
  REQUIRE(at != std::string::npos);
  // Signals 1-31 at their defaults (SIGPIPE included, though we ignore it); glibc keeps its own 32 and 33.
  unsigned long long ignored = std::stoull(out.substr(at + 8, 16), nullptr, 16);
  CHECK((ignored & 0x7fffffffULL) == 0);
}

TEST_CASE("serve process: with a pty, stdout is the controlling terminal and LF stays LF", "[serve]") {
  auto p = spawn_sh(
      "test -t 1 && echo stdout-tty; test -t 0 || echo stdin-pipe; test -t 2 || echo stderr-pipe; "
      "(exec 3</dev/tty) 2>/dev/null && echo has-ctty; printf 'a\\nb\\n'",
      true);
  std::string out = read_all(p.take_stdout());
  CHECK(out == "stdout-tty\nstdin-pipe\nstderr-pipe\nhas-ctty\na\nb\n");
  CHECK(out.find('\r') == std::string::npos);
}

TEST_CASE("serve process: signal_group reaches what the child started; exit_status names the signal", "[serve]") {
  auto p = spawn_sh("sleep 30 & echo $!; wait");
  int out = p.take_stdout();
  std::string line;
  char c;
  while (wait_readable(out, 10s) && ::read(out, &c, 1) == 1 && c != '\n') line += c;
  ::close(out);
  REQUIRE_FALSE(line.empty());
  pid_t grandchild = std::stoi(line);
  CHECK(p.signal_group(SIGTERM));
  REQUIRE(wait_readable(p.pidfd(), 10s));
  auto status = p.exit_status();
  REQUIRE(status);
  CHECK(WIFSIGNALED(*status));
  CHECK(exit_status_text(*status) == "SIGTERM");
  CHECK(wait_dead(grandchild));
  p.reap();
  CHECK_FALSE(p.signal_group(SIGTERM));  // reaped: its group id may be reused, so nothing is sent
}

TEST_CASE("serve process: destroying a running child kills and reaps it", "[serve]") {
  pid_t pid;
  {
    auto p = spawn_sh("exec sleep 30");
    pid = p.pid();
    CHECK(process_state(pid) != 0);
  }
  CHECK(process_state(pid) == 0);
}

TEST_CASE("serve process: a program that cannot be executed is a SystemError naming it", "[serve]") {
  try {
    ServeProcess::spawn({.program = "/nonexistent/prog", .argv = {"prog"}, .env = {}});
    FAIL("no exception");
  } catch (const SystemError& e) {
    CHECK(std::string(e.what()).find("cannot run 'prog'") != std::string::npos);
  }
}

TEST_CASE("serve process: find_executable looks in PATH and checks the file", "[serve]") {
  CHECK(find_executable("sh", "/nonexistent:/usr/bin:/bin").ends_with("/sh"));
  CHECK(find_executable("/bin/sh", "") == "/bin/sh");
  auto message = [](const std::string& name, const std::string& path) -> std::string {
    try {
      find_executable(name, path);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "";
  };
  CHECK(message("no-such-command-here", "/usr/bin:/bin") == "no-such-command-here: command not found in PATH");
  CHECK(message("passwd", "/etc") == "passwd: command not found in PATH");  // /etc/passwd is not executable
  CHECK(message("/etc/passwd", "") == "/etc/passwd: not an executable file");
  CHECK(message("/tmp", "") == "/tmp: not an executable file");
  CHECK(message("/nonexistent/x", "") == "/nonexistent/x: no such file");
}

TEST_CASE("serve process: exit status text", "[serve]") {
  CHECK(exit_status_text(0) == "0");
  CHECK(exit_status_text(42 << 8) == "42");
  CHECK(exit_status_text(SIGKILL) == "SIGKILL");
  CHECK(exit_status_text(SIGSEGV | 0x80) == "SIGSEGV");
}
