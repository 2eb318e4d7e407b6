// testsupport::Process (see process.hpp): posix_spawnp with pipes, one reader thread for stdout and stderr, one
// reaper thread blocked in waitid(). The child is reaped only under the mutex, so signal() never hits a reused pid.
#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

extern char** environ;

namespace testsupport {
namespace {

using Clock = std::chrono::steady_clock;

// Extra time wait() allows, after the child exited, for the reader to reach the end of its output.
constexpr std::chrono::milliseconds kDrainTimeout = 2s;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::pair<int, int> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  return {fds[0], fds[1]};
}

int poll_timeout(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// The test's environment with `extra` added or replacing variables of the same name.
std::vector<std::string> make_environment(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::map<std::string, std::string> vars;
  for (char** entry = environ; *entry; ++entry) {
    std::string text = *entry;
    std::size_t eq = text.find('=');
    if (eq != std::string::npos) vars[text.substr(0, eq)] = text.substr(eq + 1);
  }
  for (const auto& [name, value] : extra) vars[name] = value;
  std::vector<std::string> env;
  for (const auto& [name, value] : vars) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (std::string& s : strings) result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

// Blocks SIGPIPE in this thread while writing to a pipe whose reader may be gone, and swallows the SIGPIPE that
// such a write raises, so that the test process is not killed by it.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      timespec zero{0, 0};
      while (sigtimedwait(&pipe_set_, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }

 private:
  sigset_t pipe_set_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

int decode_status(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return info.si_status;
  return 128 + info.si_status;  // CLD_KILLED, CLD_DUMPED
}

}  // namespace

Process::Process(std::vector<std::string> argv, Options options) {
  if (argv.empty()) throw std::invalid_argument("Process: empty argv");
  spawn(argv, options);
  reader_ = std::thread([this] { read_output(); });
  reaper_ = std::thread([this] { reap(); });
}

void Process::spawn(const std::vector<std::string>& argv, const Options& options) {
  auto [in_read, in_write] = make_pipe();
  auto [out_read, out_write] = make_pipe();
  auto [err_read, err_write] = make_pipe();
  auto [wake_read, wake_write] = make_pipe();
  stdin_fd_ = in_write;
  out_.fd = out_read;
  err_.fd = err_read;
  wake_read_fd_ = wake_read;
  wake_write_fd_ = wake_write;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_read, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write, 1);
  posix_spawn_file_actions_adddup2(&actions, err_write, 2);
  if (!options.working_directory.empty())
    posix_spawn_file_actions_addchdir_np(&actions, options.working_directory.c_str());

  // The child starts with default signal dispositions and nothing blocked, whatever the test process did.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD}) sigaddset(&defaults, s);
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> args = argv;
  std::vector<std::string> env = make_environment(options.env);
  std::vector<char*> arg_pointers = pointers(args);
  std::vector<char*> env_pointers = pointers(env);
  int error = posix_spawnp(&pid_, args[0].c_str(), &actions, &attributes, arg_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(in_read);
  ::close(out_write);
  ::close(err_write);
  if (error != 0) {
    for (int* fd : {&stdin_fd_, &out_.fd, &err_.fd, &wake_read_fd_, &wake_write_fd_}) close_fd(*fd);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(error));
  }
  ::fcntl(stdin_fd_, F_SETFL, ::fcntl(stdin_fd_, F_GETFL) | O_NONBLOCK);
}

Process::~Process() {
  {
    std::lock_guard lock(mutex_);
    if (!exit_status_) ::kill(pid_, SIGKILL);
  }
  reaper_.join();
  close_fd(stdin_fd_);
  {
    std::lock_guard lock(mutex_);
    quit_reader_ = true;
  }
  char wake = 'q';
  (void)::write(wake_write_fd_, &wake, 1);
  reader_.join();
  close_fd(out_.fd);
  close_fd(err_.fd);
  close_fd(wake_read_fd_);
  close_fd(wake_write_fd_);
}

// ---- the reader thread ----

void Process::read_output() {
  for (;;) {
    pollfd fds[3] = {{wake_read_fd_, POLLIN, 0}, {out_.fd, POLLIN, 0}, {err_.fd, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) {
      char buffer[64];
      (void)::read(wake_read_fd_, buffer, sizeof buffer);
      std::lock_guard lock(mutex_);
      if (quit_reader_) return;
      if (close_stdout_requested_ && !out_.at_end) {
        close_fd(out_.fd);  // poll() ignores the negative descriptor from now on
        out_.at_end = true;
        changed_.notify_all();
      }
    }
    if (fds[1].revents && out_.fd >= 0) read_into(out_);
    if (fds[2].revents && err_.fd >= 0) read_into(err_);
  }
}

// Reads what is there; at the end of the stream closes it. False at the end.
bool Process::read_into(Stream& stream) {
  char buffer[65536];
  ssize_t n = ::read(stream.fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  std::lock_guard lock(mutex_);
  if (n > 0) stream.text.append(buffer, static_cast<std::size_t>(n));
  else {
    close_fd(stream.fd);
    stream.at_end = true;
  }
  changed_.notify_all();
  return n > 0;
}

// ---- the reaper thread ----

void Process::reap() {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  std::lock_guard lock(mutex_);
  ::waitpid(pid_, nullptr, WNOHANG);
  exit_status_ = decode_status(info);
  changed_.notify_all();
}

// ---- the test's side ----

bool Process::write_stdin(std::string_view text, std::chrono::milliseconds timeout) {
  if (stdin_fd_ < 0) return false;
  SigpipeGuard guard;
  auto deadline = Clock::now() + timeout;
  while (!text.empty()) {
    ssize_t n = ::write(stdin_fd_, text.data(), text.size());
    if (n > 0) {
      text.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return false;
    pollfd fd{stdin_fd_, POLLOUT, 0};
    if (::poll(&fd, 1, poll_timeout(deadline)) <= 0) return false;
  }
  return true;
}

void Process::close_stdin() { close_fd(stdin_fd_); }

void Process::close_stdout() {
  std::unique_lock lock(mutex_);
  if (out_.at_end) return;
  close_stdout_requested_ = true;
  char wake = 'c';
  (void)::write(wake_write_fd_, &wake, 1);
  changed_.wait_for(lock, kDefaultTimeout, [&] { return out_.at_end; });
}

bool Process::wait_for(const Stream& stream, const std::function<bool(const std::string&)>& predicate,
                       std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return predicate(stream.text) || stream.at_end; });
  return predicate(stream.text);
}

bool Process::wait_for_stdout(std::string_view text, std::chrono::milliseconds timeout) {
  return wait_for(out_, [&](const std::string& s) { return s.find(text) != std::string::npos; }, timeout);
}

bool Process::wait_for_stdout(const std::function<bool(const std::string&)>& predicate,
                              std::chrono::milliseconds timeout) {
  return wait_for(out_, predicate, timeout);
}

bool Process::wait_for_stderr(std::string_view text, std::chrono::milliseconds timeout) {
  return wait_for(err_, [&](const std::string& s) { return s.find(text) != std::string::npos; }, timeout);
}

bool Process::wait_for_stderr(const std::function<bool(const std::string&)>& predicate,
                              std::chrono::milliseconds timeout) {
  return wait_for(err_, predicate, timeout);
}

std::string Process::stdout_text() const {
  std::lock_guard lock(mutex_);
  return out_.text;
}

std::string Process::stderr_text() const {
  std::lock_guard lock(mutex_);
  return err_.text;
}

void Process::signal(int signal_number) {
  std::lock_guard lock(mutex_);
  if (!exit_status_) ::kill(pid_, signal_number);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::unique_lock lock(mutex_);
  if (!changed_.wait_until(lock, deadline, [&] { return exit_status_.has_value(); })) return std::nullopt;
  changed_.wait_until(lock, std::min(deadline, Clock::now() + kDrainTimeout),
                      [&] { return out_.at_end && err_.at_end; });
  return exit_status_;
}

std::optional<int> Process::exit_status() const {
  std::lock_guard lock(mutex_);
  return exit_status_;
}

}  // namespace testsupport
