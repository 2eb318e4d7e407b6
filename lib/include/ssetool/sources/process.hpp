// A `serve` child process: one per connection. Spawned without a shell in a session of its own (so one signal
// reaches everything it started), with a clean signal state, its stdin and stderr on pipes and its stdout on a
// pipe or, with `pty`, on a pseudo-terminal; no other descriptor is inherited. Our ends are non-blocking, for
// the stream loop, and a pidfd tells the loop when the child exits.
//
// The child is reaped only by reap() (or the destructor), so until then its pid — and so its process group —
// cannot be reused: signalling the group stays safe even after the child itself has exited.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace ssetool {

struct ServeSpawnOptions {
  std::string program;                // absolute path (see find_executable)
  std::vector<std::string> argv;      // argv[0] is what the child sees as its name
  std::vector<std::string> env;       // "NAME=value" entries, the whole environment
  bool pty = false;                   // stdout on a pseudo-terminal that is also the controlling terminal
};

class ServeProcess {
 public:
  // Throws SystemError "cannot run 'NAME': reason".
  static ServeProcess spawn(const ServeSpawnOptions& options);

  ServeProcess(ServeProcess&& other) noexcept;
  ServeProcess& operator=(ServeProcess&& other) noexcept;
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  // Closes what is still ours; a child not yet reaped gets SIGKILL (its whole group) and is reaped.
  ~ServeProcess();

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_; }  // readable once the child has exited

  // Hands over our end of a stream (the caller closes it); -1 once taken.
  int take_stdin();
  int take_stdout();
  int take_stderr();

  // Sends `sig` to the child's process group. False when nothing received it (all gone, or reaped).
  bool signal_group(int sig) const;
  // The wait status once the child has exited, without reaping it.
  std::optional<int> exit_status();
  // Reaps the child (blocking only if it has not exited). Idempotent.
  void reap();
  bool reaped() const { return reaped_; }

 private:
  ServeProcess() = default;
  void close_all();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool reaped_ = false;
  std::optional<int> status_;
};

// The program `name` would run: `name` itself when it contains a slash, else the first match in `path`
// (a PATH-style list). Throws InvalidArgument "NAME: command not found" / "NAME: not executable".
std::string find_executable(const std::string& name, const std::string& path);

// "0".."255" for an exit, or the signal's name ("SIGTERM") for a child killed by a signal.
std::string exit_status_text(int wait_status);

}  // namespace ssetool
