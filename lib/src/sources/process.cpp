// Spawning, signalling and reaping child processes (see sources/process.hpp).
#include "ssetool/sources/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <string_view>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <utility>

#include "ssetool/base/errors.hpp"

extern char** environ;

namespace ssetool {
namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

[[noreturn]] void fail(const std::string& what) { throw SystemError(what + ": " + std::strerror(errno)); }

// One of the child's standard streams while it is being started.
struct StreamPlan {
  int ours = -1;       // our end: a pipe's, or the pty's master
  int theirs = -1;     // the child's end of a pipe, or the pty's slave (held open until the child has it, so the
                       // terminal never hangs up in between)
  std::string path;    // what the child opens itself instead: /dev/null, or the pty's slave by name
  int open_flags = 0;
};

// The three streams; whatever descriptor is still here when they go is closed.
struct StreamPlans {
  StreamPlan stream[3];
  StreamPlans() = default;
  StreamPlans(const StreamPlans&) = delete;
  ~StreamPlans() {
    for (auto& s : stream) {
      close_fd(s.ours);
      close_fd(s.theirs);
    }
  }
};

// A pipe whose ends are both close-on-exec (the child gets its end through dup2).
void plan_pipe(StreamPlan& plan, bool child_reads) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) fail("pipe");
  plan.ours = child_reads ? fds[1] : fds[0];
  plan.theirs = child_reads ? fds[0] : fds[1];
}

// A pseudo-terminal: our end is the master; the child opens the slave by name (after setsid, which makes it its
// controlling terminal). Output post-processing keeps "\n" as is (no ONLCR, so no "\r\n").
void plan_pty(StreamPlan& plan) {
  plan.ours = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (plan.ours < 0) fail("posix_openpt");
  char name[128];
  if (grantpt(plan.ours) != 0 || unlockpt(plan.ours) != 0 || ptsname_r(plan.ours, name, sizeof name) != 0)
    fail("pseudo-terminal");
  plan.theirs = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (plan.theirs < 0) fail(std::string("open ") + name);
  termios t{};
  if (tcgetattr(plan.theirs, &t) == 0) {
    t.c_oflag &= ~static_cast<tcflag_t>(ONLCR);
    tcsetattr(plan.theirs, TCSANOW, &t);
  }
  plan.path = name;
  plan.open_flags = O_RDWR;
}

void plan_stream(StreamPlan& plan, StreamMode mode, int target, bool nonblocking) {
  const bool child_reads = target == STDIN_FILENO;
  switch (mode) {
    case StreamMode::inherit: return;
    case StreamMode::null:
      plan.path = "/dev/null";
      plan.open_flags = child_reads ? O_RDONLY : O_WRONLY;
      return;
    case StreamMode::pipe: plan_pipe(plan, child_reads); break;
    case StreamMode::pty: plan_pty(plan); break;
  }
  if (nonblocking) fcntl(plan.ours, F_SETFL, fcntl(plan.ours, F_GETFL) | O_NONBLOCK);
}

void check_options(const ProcessOptions& options) {
  if (options.argv.empty()) throw InvalidArgument("no command given");
  if (options.in == StreamMode::pty || options.err == StreamMode::pty)
    throw InvalidArgument("only stdout can be a pseudo-terminal");
  if (options.out == StreamMode::pty && options.grouping != Grouping::session)
    throw InvalidArgument("a pseudo-terminal on stdout needs a session of its own");
}

// The child's end of each stream on 0, 1 and 2; every other descriptor closed; `cwd` entered if given.
void init_file_actions(posix_spawn_file_actions_t& actions, const StreamPlans& plans, const std::string& cwd) {
  posix_spawn_file_actions_init(&actions);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  for (int target = 0; target < 3; ++target) {
    const StreamPlan& plan = plans.stream[target];
    if (!plan.path.empty())
      posix_spawn_file_actions_addopen(&actions, target, plan.path.c_str(), plan.open_flags, 0);
    else if (plan.theirs >= 0)
      posix_spawn_file_actions_adddup2(&actions, plan.theirs, target);
  }
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
}

// Every signal back to its default action, nothing blocked; a new process group or session if asked.
void init_attributes(posix_spawnattr_t& attr, Grouping grouping) {
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (grouping == Grouping::process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&attr, 0);
  }
  if (grouping == Grouping::session) flags |= POSIX_SPAWN_SETSID;
  posix_spawnattr_setflags(&attr, flags);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// posix_spawn (the program given) or posix_spawnp (argv[0] looked up in PATH). The child's pid, or the error.
int start(const ProcessOptions& options, const StreamPlans& plans, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  init_file_actions(actions, plans, options.cwd);
  posix_spawnattr_t attr;
  init_attributes(attr, options.grouping);
  auto argv = c_strings(options.argv);
  auto envp = options.env ? c_strings(*options.env) : std::vector<char*>{};
  char** env = options.env ? envp.data() : environ;
  int rc = options.program.empty()
               ? posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), env)
               : posix_spawn(&pid, options.program.c_str(), &actions, &attr, argv.data(), env);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

Process Process::spawn(const ProcessOptions& options) {
  check_options(options);
  StreamPlans plans;
  const StreamMode modes[3] = {options.in, options.out, options.err};
  for (int target = 0; target < 3; ++target)
    plan_stream(plans.stream[target], modes[target], target, options.nonblocking);

  pid_t pid = -1;
  if (int rc = start(options, plans, pid); rc != 0)
    throw SystemError("cannot run '" + options.argv[0] + "': " + std::strerror(rc));
  Process child;
  child.pid_ = pid;
  child.leads_group_ = options.grouping != Grouping::none;
  child.in_ = std::exchange(plans.stream[0].ours, -1);
  child.out_ = std::exchange(plans.stream[1].ours, -1);
  child.err_ = std::exchange(plans.stream[2].ours, -1);
  if (options.pidfd) {
    child.pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // glibc 2.36's header lacks extern "C"
    if (child.pidfd_ < 0) fail("pidfd_open");  // the destructor kills and reaps the child
  }
  return child;
}

Process::Process(Process&& other) noexcept { *this = std::move(other); }

Process& Process::operator=(Process&& other) noexcept {
  std::swap(pid_, other.pid_);
  std::swap(pidfd_, other.pidfd_);
  std::swap(in_, other.in_);
  std::swap(out_, other.out_);
  std::swap(err_, other.err_);
  std::swap(leads_group_, other.leads_group_);
  std::swap(reaped_, other.reaped_);
  std::swap(status_, other.status_);
  return *this;
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    signal(SIGKILL);
    reap();
  }
  close_all();
}

void Process::close_all() {
  for (int* fd : {&in_, &out_, &err_, &pidfd_}) close_fd(*fd);
}

int Process::take_stdin() { return std::exchange(in_, -1); }
int Process::take_stdout() { return std::exchange(out_, -1); }
int Process::take_stderr() { return std::exchange(err_, -1); }

bool Process::signal(int sig) const {
  if (pid_ <= 0 || reaped_) return false;
  return ::kill(leads_group_ ? -pid_ : pid_, sig) == 0;
}

std::optional<ExitStatus> Process::exit_status() {
  if (status_ || pid_ <= 0) return status_;
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0)
    return std::nullopt;
  if (info.si_code == CLD_EXITED) status_ = ExitStatus((info.si_status & 0xff) << 8);
  else status_ = ExitStatus((info.si_status & 0x7f) | (info.si_code == CLD_DUMPED ? 0x80 : 0));
  return status_;
}

ExitStatus Process::reap() {
  if (pid_ > 0 && !reaped_) {
    int status = 0;
    pid_t r;
    do r = waitpid(pid_, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r == pid_ && !status_) status_ = ExitStatus(status);
    reaped_ = true;
    close_fd(pidfd_);
  }
  return status_.value_or(ExitStatus(255 << 8));  // no status to be had (not our child): exit code 255
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

}  // namespace ssetool
