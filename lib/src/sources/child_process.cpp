// Spawning and reaping child processes (see sources/child_process.hpp).
#include "ssetool/sources/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ssetool/base/errors.hpp"

extern char** environ;

namespace ssetool {
namespace {

// Our end and the child's end of one standard stream.
struct StreamPlan {
  int ours = -1;
  int theirs = -1;
};

StreamPlan plan_stream(SpawnOptions::Stream how, bool child_reads) {
  StreamPlan plan;
  if (how == SpawnOptions::Stream::pipe) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw SystemError(std::string("pipe: ") + std::strerror(errno));
    plan.ours = child_reads ? fds[1] : fds[0];
    plan.theirs = child_reads ? fds[0] : fds[1];
  } else if (how == SpawnOptions::Stream::null) {
    plan.theirs = open("/dev/null", (child_reads ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
  }
  return plan;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

ChildProcess ChildProcess::spawn(const SpawnOptions& options) {
  if (options.argv.empty()) throw InvalidArgument("no command given");
  StreamPlan plans[3] = {plan_stream(options.in, true), plan_stream(options.out, false),
                         plan_stream(options.err, false)};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int target = 0; target < 3; ++target)
    if (plans[target].theirs >= 0) posix_spawn_file_actions_adddup2(&actions, plans[target].theirs, target);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (options.new_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&attr, 0);
  }
  posix_spawnattr_setflags(&attr, flags);

  std::vector<char*> argv, envp;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  if (options.env) {
    for (const auto& e : *options.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), options.env ? envp.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  for (auto& p : plans) close_fd(p.theirs);
  if (rc != 0) {
    for (auto& p : plans) close_fd(p.ours);
    throw SystemError("cannot run '" + options.argv[0] + "': " + std::strerror(rc));
  }
  ChildProcess child;
  child.pid_ = pid;
  child.in_ = plans[0].ours;
  child.out_ = plans[1].ours;
  child.err_ = plans[2].ours;
  child.group_ = options.new_process_group;
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept { *this = std::move(o); }

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  std::swap(pid_, o.pid_);
  std::swap(in_, o.in_);
  std::swap(out_, o.out_);
  std::swap(err_, o.err_);
  std::swap(group_, o.group_);
  std::swap(status_, o.status_);
  return *this;
}

ChildProcess::~ChildProcess() {
  close_stdin();
  close_stdout();
  close_stderr();
}

void ChildProcess::close_stdin() { close_fd(in_); }
void ChildProcess::close_stdout() { close_fd(out_); }
void ChildProcess::close_stderr() { close_fd(err_); }

bool ChildProcess::signal(int sig) const {
  if (pid_ <= 0 || status_) return false;
  return (group_ ? ::kill(-pid_, sig) : ::kill(pid_, sig)) == 0;
}

std::optional<int> ChildProcess::try_wait() {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
  return status_;
}

int ChildProcess::wait() {
  while (!status_ && pid_ > 0) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, 0);
    if (r == pid_) status_ = status;
    else if (r < 0 && errno != EINTR) break;
  }
  return status_.value_or(255 << 8);
}

int exit_code_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

std::string describe_wait_status(int wait_status) {
  if (WIFEXITED(wait_status)) return "exit status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const char* name = sigabbrev_np(WTERMSIG(wait_status));
    return std::string("killed by SIG") + (name ? name : std::to_string(WTERMSIG(wait_status)).c_str());
  }
  return "unknown status";
}

}  // namespace ssetool
