// Spawning, signalling and reaping a `serve` child (see sources/process.hpp).
#include "ssetool/sources/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <utility>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

[[noreturn]] void fail(const std::string& what) { throw SystemError(what + ": " + std::strerror(errno)); }

// A pipe whose ends are both close-on-exec; `ours` is also non-blocking.
struct Pipe {
  int ours = -1, theirs = -1;
};

Pipe make_pipe(bool child_reads) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail("pipe");
  Pipe p{child_reads ? fds[1] : fds[0], child_reads ? fds[0] : fds[1]};
  fcntl(p.ours, F_SETFL, fcntl(p.ours, F_GETFL) | O_NONBLOCK);
  return p;
}

// A pseudo-terminal: our end is the master; the child opens the slave by name (after setsid, which makes it
// its controlling terminal). Output post-processing keeps "\n" as is (no ONLCR, so no "\r\n").
struct Pty {
  int master = -1;
  int slave = -1;  // held open by us until the child has it, so the terminal never hangs up in between
  std::string slave_name;
};

Pty make_pty() {
  Pty p;
  p.master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (p.master < 0) fail("posix_openpt");
  char name[128];
  if (grantpt(p.master) != 0 || unlockpt(p.master) != 0 || ptsname_r(p.master, name, sizeof name) != 0) {
    close_fd(p.master);
    fail("pseudo-terminal");
  }
  p.slave_name = name;
  p.slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (p.slave < 0) {
    close_fd(p.master);
    fail(std::string("open ") + name);
  }
  termios t{};
  if (tcgetattr(p.slave, &t) == 0) {
    t.c_oflag &= ~static_cast<tcflag_t>(ONLCR);
    tcsetattr(p.slave, TCSANOW, &t);
  }
  fcntl(p.master, F_SETFL, fcntl(p.master, F_GETFL) | O_NONBLOCK);
  return p;
}

// Every signal back to its default action, nothing blocked, a new session (and so a new process group).
void init_attributes(posix_spawnattr_t& attr) {
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

ServeProcess ServeProcess::spawn(const ServeSpawnOptions& options) {
  if (options.argv.empty()) throw InvalidArgument("no command given");
  Pipe in, out, err;
  Pty pty;
  auto close_everything = [&] {
    for (int* fd : {&in.ours, &in.theirs, &out.ours, &out.theirs, &err.ours, &err.theirs, &pty.master, &pty.slave})
      close_fd(*fd);
  };
  try {
    in = make_pipe(true);
    err = make_pipe(false);
    if (options.pty) pty = make_pty();
    else out = make_pipe(false);
  } catch (const SystemError&) {
    close_everything();
    throw;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.theirs, 0);
  if (options.pty) posix_spawn_file_actions_addopen(&actions, 1, pty.slave_name.c_str(), O_RDWR, 0);
  else posix_spawn_file_actions_adddup2(&actions, out.theirs, 1);
  posix_spawn_file_actions_adddup2(&actions, err.theirs, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  init_attributes(attr);

  auto argv = c_strings(options.argv);
  auto envp = c_strings(options.env);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, options.program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  for (int* fd : {&in.theirs, &out.theirs, &err.theirs, &pty.slave}) close_fd(*fd);

  ServeProcess child;
  child.in_ = in.ours;
  child.out_ = options.pty ? pty.master : out.ours;
  child.err_ = err.ours;
  if (rc != 0) {
    child.reaped_ = true;  // nothing to reap
    throw SystemError("cannot run '" + options.argv[0] + "': " + std::strerror(rc));
  }
  child.pid_ = pid;
  child.pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // glibc 2.36's header lacks extern "C"
  if (child.pidfd_ < 0) fail("pidfd_open");  // the destructor kills and reaps the child (pidfds are close-on-exec)
  return child;
}

ServeProcess::ServeProcess(ServeProcess&& other) noexcept { *this = std::move(other); }

ServeProcess& ServeProcess::operator=(ServeProcess&& other) noexcept {
  std::swap(pid_, other.pid_);
  std::swap(pidfd_, other.pidfd_);
  std::swap(in_, other.in_);
  std::swap(out_, other.out_);
  std::swap(err_, other.err_);
  std::swap(reaped_, other.reaped_);
  std::swap(status_, other.status_);
  return *this;
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0 && !reaped_) {
    signal_group(SIGKILL);
    reap();
  }
  close_all();
}

void ServeProcess::close_all() {
  for (int* fd : {&in_, &out_, &err_, &pidfd_}) close_fd(*fd);
}

int ServeProcess::take_stdin() { return std::exchange(in_, -1); }
int ServeProcess::take_stdout() { return std::exchange(out_, -1); }
int ServeProcess::take_stderr() { return std::exchange(err_, -1); }

bool ServeProcess::signal_group(int sig) const {
  if (pid_ <= 0 || reaped_) return false;
  return ::kill(-pid_, sig) == 0;
}

std::optional<int> ServeProcess::exit_status() {
  if (status_ || pid_ <= 0) return status_;
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0)
    return std::nullopt;
  if (info.si_code == CLD_EXITED) status_ = (info.si_status & 0xff) << 8;
  else status_ = (info.si_status & 0x7f) | (info.si_code == CLD_DUMPED ? 0x80 : 0);
  return status_;
}

void ServeProcess::reap() {
  if (pid_ <= 0 || reaped_) return;
  int status = 0;
  pid_t r;
  do r = waitpid(pid_, &status, 0);
  while (r < 0 && errno == EINTR);
  if (r == pid_ && !status_) status_ = status;
  reaped_ = true;
  close_fd(pidfd_);
}

std::string find_executable(const std::string& name, const std::string& path) {
  if (name.empty()) throw InvalidArgument("no command given after --");
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), F_OK) != 0) throw InvalidArgument(name + ": no such file");
    if (!is_executable_file(name)) throw InvalidArgument(name + ": not an executable file");
    return name;
  }
  std::string_view dirs = path;
  while (true) {
    std::size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  throw InvalidArgument(name + ": command not found in PATH");
}

std::string exit_status_text(int wait_status) {
  if (WIFEXITED(wait_status)) return std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const char* name = sigabbrev_np(WTERMSIG(wait_status));
    return name ? std::string("SIG") + name : "signal " + std::to_string(WTERMSIG(wait_status));
  }
  return "unknown";
}

}  // namespace ssetool
