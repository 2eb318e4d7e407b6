// Unit tests for the process launcher, as `serve` uses it (pipes or a pty, a session of its own, a pidfd, the exit
// status read without reaping) and as `pipe -- COMMAND` does (stdin and stderr inherited, argv[0] looked up in
// PATH, the child signalled and reaped); what a child inherits, the destructor's clean-up, the exit status texts
// and looking the command up in PATH.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

#include "ssetool/base/errors.hpp"
#include "ssetool/sources/process.hpp"
#include "process_state.hpp"

using namespace ssetool;
using namespace std::chrono_literals;
using testsupport::process_state;
using testsupport::wait_dead;

namespace {

// A shell started as `serve` starts its command.
Process spawn_sh(const std::string& script, bool pty = false) {
  return Process::spawn({.argv = {"sh", "-c", script},
                         .program = "/bin/sh",
                         .env = std::vector<std::string>{"PATH=/usr/local/bin:/usr/bin:/bin"},
                         .in = StreamMode::pipe,
                         .out = pty ? StreamMode::pty : StreamMode::pipe,
                         .err = StreamMode::pipe,
                         .grouping = Grouping::session,
                         .pidfd = true,
                         .nonblocking = true});
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

// One line from `fd` (without its LF), waiting at most 10 s for each byte.
std::string read_line(int fd) {
  std::string line;
  char c;
  while (wait_readable(fd, 10s) && ::read(fd, &c, 1) == 1 && c != '\n') line += c;
  return line;
}

// The process group and session of a process, from a line of /proc/PID/stat: "pid (comm) state ppid pgrp session".
std::pair<long, long> group_and_session(const std::string& stat) {
  std::istringstream fields(stat.substr(stat.find(')') + 2));
  std::string state;
  long ppid = 0, pgrp = 0, session = 0;
  fields >> state >> ppid >> pgrp >> session;
  return {pgrp, session};
}

// What one of our descriptors is, as /proc shows it ("/dev/null", "pipe:[123]"...).
std::string fd_target(int fd) {
  char target[4096];
  ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target, sizeof target);
  return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : "";
}

bool nonblocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

std::string spawn_error(const ProcessOptions& options) {
  try {
    Process::spawn(options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("serve process: stdin, stdout and stderr are pipes, exit status after reaping", "[process]") {
  auto p = spawn_sh("read x; echo \"out $x\"; echo \"err $x\" >&2; exit 3");
  int in = p.take_stdin();
  REQUIRE(::write(in, "hi\n", 3) == 3);
  ::close(in);
  CHECK(read_all(p.take_stdout()) == "out hi\n");
  CHECK(read_all(p.take_stderr()) == "err hi\n");
  REQUIRE(wait_readable(p.pidfd(), 10s));
  auto status = p.exit_status();
  REQUIRE(status);
  CHECK(WIFEXITED(status->wait_status()));
  CHECK(WEXITSTATUS(status->wait_status()) == 3);
  CHECK(process_state(p.pid()) == 'Z');  // exited, not reaped: its pid stays reserved
  p.reap();
  CHECK(process_state(p.pid()) == 0);
  CHECK(status->text() == "3");
}

TEST_CASE("serve process: the child inherits no descriptor beyond 0, 1 and 2", "[process]") {
  int leak[2];
  REQUIRE(::pipe(leak) == 0);  // not close-on-exec: only closefrom keeps it from the child
  auto p = spawn_sh("ls /proc/$$/fd");  // the shell's descriptors (ls's own directory handle is not among them)
  std::string listing = read_all(p.take_stdout());
  ::close(leak[0]);
  ::close(leak[1]);
  CHECK(listing == "0\n1\n2\n");
}

TEST_CASE("serve process: the child runs in its own session with default signal dispositions", "[process]") {
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  auto p = spawn_sh("cat /proc/$$/stat; grep SigIgn /proc/self/status");
  std::string out = read_all(p.take_stdout());
  ::sigaction(SIGPIPE, &old, nullptr);
  auto [pgrp, session] = group_and_session(out);
  CHECK(session == p.pid());  // a session leader...
  CHECK(pgrp == p.pid());     // ...and a process group leader
  auto at = out.find("SigIgn:\t");
  REQUIRE(at != std::string::npos);
  // Signals 1-31 at their defaults (SIGPIPE included, though we ignore it); glibc keeps its own 32 and 33.
  unsigned long long ignored = std::stoull(out.substr(at + 8, 16), nullptr, 16);
  CHECK((ignored & 0x7fffffffULL) == 0);
}

TEST_CASE("serve process: with a pty, stdout is the controlling terminal and LF stays LF", "[process]") {
  auto p = spawn_sh(
      "test -t 1 && echo stdout-tty; test -t 0 || echo stdin-pipe; test -t 2 || echo stderr-pipe; "
      "(exec 3</dev/tty) 2>/dev/null && echo has-ctty; printf 'a\\nb\\n'",
      true);
  std::string out = read_all(p.take_stdout());
  CHECK(out == "stdout-tty\nstdin-pipe\nstderr-pipe\nhas-ctty\na\nb\n");
  CHECK(out.find('\r') == std::string::npos);
}

TEST_CASE("serve process: signal reaches what the child started, exit_status names the signal", "[process]") {
  auto p = spawn_sh("sleep 30 & echo $!; wait");
  int out = p.take_stdout();
  std::string line = read_line(out);
  ::close(out);
  REQUIRE_FALSE(line.empty());
  pid_t grandchild = std::stoi(line);
  CHECK(p.signal(SIGTERM));
  REQUIRE(wait_readable(p.pidfd(), 10s));
  auto status = p.exit_status();
  REQUIRE(status);
  CHECK(WIFSIGNALED(status->wait_status()));
  CHECK(status->text() == "SIGTERM");
  CHECK(wait_dead(grandchild));
  p.reap();
  CHECK_FALSE(p.signal(SIGTERM));  // reaped: its group id may be reused, so nothing is sent
}

TEST_CASE("serve process: destroying a running child kills and reaps it (in a session of its own, or in ours)",
          "[process]") {
  const bool own_session = GENERATE(true, false);
  pid_t pid;
  {
    auto p = own_session ? spawn_sh("exec sleep 30") : Process::spawn({.argv = {"sleep", "30"}});
    pid = p.pid();
    CHECK(process_state(pid) != 0);
  }
  CHECK(process_state(pid) == 0);
}

TEST_CASE("serve process: a program that cannot be executed is a SystemError naming it", "[process]") {
  try {
    Process::spawn({.argv = {"prog"}, .program = "/nonexistent/prog", .env = std::vector<std::string>{}});
    FAIL("no exception");
  } catch (const SystemError& e) {
    CHECK(std::string(e.what()).find("cannot run 'prog'") != std::string::npos);
  }
}

TEST_CASE("serve process: find_executable looks in PATH and checks the file", "[process]") {
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

TEST_CASE("serve process: exit status text", "[process]") {
  CHECK(ExitStatus(0).text() == "0");
  CHECK(ExitStatus(42 << 8).text() == "42");
  CHECK(ExitStatus(SIGKILL).text() == "SIGKILL");
  CHECK(ExitStatus(SIGSEGV | 0x80).text() == "SIGSEGV");
}

TEST_CASE("serve process: our ends of the streams are non-blocking, for the loop", "[process]") {
  auto p = spawn_sh("exit 0");
  for (int fd : {p.take_stdin(), p.take_stdout(), p.take_stderr()}) {
    CHECK(nonblocking(fd));
    ::close(fd);
  }
}

// ---- as `pipe -- COMMAND` starts its command: argv[0] in PATH, stdin and stderr ours, our environment ----

TEST_CASE("process: by default stdin and stderr are ours and stdout a blocking pipe, argv[0] is found in PATH",
          "[process]") {
  auto p = Process::spawn({.argv = {"sh", "-c", "readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2"}});
  int out = p.stdout_fd();
  CHECK_FALSE(nonblocking(out));
  std::string expected = fd_target(0) + "\n" + fd_target(out) + "\n" + fd_target(2) + "\n";
  CHECK(read_all(p.take_stdout()) == expected);
  CHECK(p.take_stdin() == -1);
  CHECK(p.take_stderr() == -1);
  CHECK(p.reap().code() == 0);
}

TEST_CASE("process: null streams are /dev/null", "[process]") {
  auto p = Process::spawn({.argv = {"sh", "-c", "readlink /proc/$$/fd/0 /proc/$$/fd/2; cat; echo end"},
                           .in = StreamMode::null,
                           .err = StreamMode::null});
  CHECK(read_all(p.take_stdout()) == "/dev/null\n/dev/null\nend\n");  // cat read an empty input
  CHECK(p.reap().code() == 0);
}

TEST_CASE("process: the environment is ours unless one is given", "[process]") {
  const char* path = std::getenv("PATH");
  REQUIRE(path);
  auto inherited = Process::spawn({.argv = {"sh", "-c", "printf %s \"$PATH\""}});
  CHECK(read_all(inherited.take_stdout()) == path);
  auto given = Process::spawn({.argv = {"env"}, .env = std::vector<std::string>{"ONLY=this"}});
  CHECK(read_all(given.take_stdout()) == "ONLY=this\n");
}

TEST_CASE("process: leading a process group, signal reaches what the child started", "[process]") {
  auto p = Process::spawn({.argv = {"sh", "-c", "sleep 30 & echo $!; cat /proc/$$/stat; wait"},
                           .grouping = Grouping::process_group});
  int out = p.stdout_fd();
  std::string line = read_line(out);
  REQUIRE_FALSE(line.empty());
  pid_t grandchild = std::stoi(line);
  auto [group, session] = group_and_session(read_line(out));
  CHECK(group == p.pid());
  CHECK(session == ::getsid(0));  // a group of its own, in our session
  CHECK(p.signal(SIGTERM));
  ExitStatus status = p.reap();
  CHECK(status.code() == 128 + SIGTERM);
  CHECK(status.text() == "SIGTERM");
  CHECK(status.description() == "killed by SIGTERM");
  CHECK(wait_dead(grandchild));
  CHECK_FALSE(p.signal(SIGTERM));  // reaped: nothing is sent
}

TEST_CASE("process: in our process group, signal reaches the child alone, reap gives its exit status",
          "[process]") {
  auto p = Process::spawn({.argv = {"sh", "-c", "trap 'exit 3' TERM; sleep 30 & echo $!; cat /proc/$$/stat; wait"}});
  int out = p.stdout_fd();
  std::string line = read_line(out);
  REQUIRE_FALSE(line.empty());
  pid_t grandchild = std::stoi(line);
  auto [group, session] = group_and_session(read_line(out));
  CHECK(group == ::getpgrp());
  CHECK(p.signal(SIGTERM));
  ExitStatus status = p.reap();
  CHECK(status.code() == 3);
  CHECK(status.text() == "3");
  CHECK(status.description() == "exit status 3");
  CHECK(process_state(grandchild) != 0);  // the child's own child was not signalled
  ::kill(grandchild, SIGKILL);
  CHECK(wait_dead(grandchild));
}

TEST_CASE("process: a program that is not found is a SystemError naming it", "[process]") {
  CHECK(spawn_error({.argv = {"no-such-command-here"}}) ==
        "cannot run 'no-such-command-here': No such file or directory");
  CHECK(spawn_error({.argv = {"/no/such/program"}}) == "cannot run '/no/such/program': No such file or directory");
}

TEST_CASE("process: options that do not go together are refused before anything starts", "[process]") {
  CHECK(spawn_error({.argv = {}}) == "no command given");
  CHECK(spawn_error({.argv = {"true"}, .out = StreamMode::pty}) ==
        "a pseudo-terminal on stdout needs a session of its own");
  CHECK(spawn_error({.argv = {"true"}, .in = StreamMode::pty, .grouping = Grouping::session}) ==
        "only stdout can be a pseudo-terminal");
}

TEST_CASE("process: one exit status, its code, text and description", "[process]") {
  ExitStatus exited(3 << 8);
  CHECK(exited.code() == 3);
  CHECK(exited.text() == "3");
  CHECK(exited.description() == "exit status 3");
  ExitStatus killed(SIGTERM);
  CHECK(killed.code() == 143);
  CHECK(killed.text() == "SIGTERM");
  CHECK(killed.description() == "killed by SIGTERM");
  ExitStatus dumped(SIGSEGV | 0x80);
  CHECK(dumped.code() == 128 + SIGSEGV);
  CHECK(dumped.description() == "killed by SIGSEGV");
  ExitStatus realtime(40);  // a real-time signal has no name
  CHECK(realtime.code() == 168);
  CHECK(realtime.text() == "signal 40");
  CHECK(realtime.description() == "killed by signal 40");
}
