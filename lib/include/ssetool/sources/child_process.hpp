// Child processes: spawned without a shell, with pipes for the streams the caller wants, a clean signal
// state (nothing blocked, SIGPIPE default) and no inherited descriptor beyond 0, 1 and 2.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace ssetool {

struct SpawnOptions {
  std::vector<std::string> argv;                 // argv[0] is looked up in PATH
  std::optional<std::vector<std::string>> env;   // "NAME=value" entries; unset: inherit ours
  enum class Stream { inherit, pipe, null };
  Stream in = Stream::inherit;
  Stream out = Stream::pipe;
  Stream err = Stream::inherit;
  bool new_process_group = false;                // so signals can reach the whole group
};

class ChildProcess {
 public:
  // Throws SystemError "cannot run 'NAME': reason" when the program cannot be found or executed.
  static ChildProcess spawn(const SpawnOptions& options);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();  // closes our ends of the pipes; does not kill or reap

  pid_t pid() const { return pid_; }
  int stdin_fd() const { return in_; }    // -1 unless Stream::pipe
  int stdout_fd() const { return out_; }
  int stderr_fd() const { return err_; }
  void close_stdin();
  void close_stdout();
  void close_stderr();

  // Sends a signal (to the group when spawned with new_process_group). False once the child is reaped.
  bool signal(int sig) const;
  // Reaps without blocking; the wait status once the child has exited.
  std::optional<int> try_wait();
  // Blocks until the child exits; its wait status.
  int wait();
  bool exited() const { return status_.has_value(); }

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool group_ = false;
  std::optional<int> status_;
};

// A shell-style exit code for a wait status: the exit status, or 128 + the signal number.
int exit_code_of(int wait_status);
// "exit status 3" or "killed by SIGTERM".
std::string describe_wait_status(int wait_status);

}  // namespace ssetool
