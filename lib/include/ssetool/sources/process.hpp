// Child processes: the one launcher behind `pipe -- COMMAND` and `serve`. A child is started without a shell,
// with every signal at its default action and none blocked, and with no descriptor beyond 0, 1 and 2. Each of
// its standard streams is ours (inherit), a pipe, /dev/null or, for stdout, a pseudo-terminal. It can lead a
// process group or a session of its own, so that one signal reaches everything it started.
//
// The child is reaped only by reap() (or the destructor), so until then its pid — and so its process group —
// cannot be reused: signalling the group stays safe even after the child itself has exited.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "ssetool/sources/exit_status.hpp"

namespace ssetool {

// What one of the child's standard streams is.
//   pty: a pseudo-terminal that is also the child's controlling terminal (stdout only; needs Grouping::session).
//        Output post-processing keeps "\n" as is (no "\r\n").
enum class StreamMode { inherit, pipe, null, pty };

// Where the child stands: in our process group, leading a new one, or leading a new session (setsid), and so a
// new group too.
enum class Grouping { none, process_group, session };

struct ProcessOptions {
  std::vector<std::string> argv;                // argv[0] is what the child sees as its name
  std::string program;                          // the file to run (see find_executable); empty: argv[0] in PATH
  std::optional<std::vector<std::string>> env;  // "NAME=value" entries, the whole environment; unset: ours
  std::string cwd;                              // the child's working directory; empty: ours
  StreamMode in = StreamMode::inherit;
  StreamMode out = StreamMode::pipe;
  StreamMode err = StreamMode::inherit;
  Grouping grouping = Grouping::none;
  bool pidfd = false;        // a descriptor that becomes readable when the child exits
  bool nonblocking = false;  // our ends of the streams are non-blocking (for an event loop)
};

class Process {
 public:
  // Throws SystemError "cannot run 'NAME': reason" (NAME is argv[0]); InvalidArgument for options that do not go
  // together.
  static Process spawn(const ProcessOptions& options);

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Closes what is still ours; a child not yet reaped gets SIGKILL (its group, when it leads one) and is reaped.
  ~Process();

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_; }  // -1 unless asked for

  // Our end of stdout (a pipe or pty), still ours: closed by take_stdout() or the destructor. -1 if none.
  int stdout_fd() const { return out_; }
  // Hands over our end of a stream (the caller closes it); -1 once taken, or when the stream is not ours.
  int take_stdin();
  int take_stdout();
  int take_stderr();

  // Sends `sig` to the child's process group when it leads one, else to the child. False when nothing received
  // it (all gone, or reaped).
  bool signal(int sig) const;
  // The exit status once the child has exited, without reaping it.
  std::optional<ExitStatus> exit_status();
  // Waits for the child to exit (blocking only if it has not) and reaps it; its exit status. Idempotent.
  ExitStatus reap();

 private:
  Process() = default;
  void close_all();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool leads_group_ = false;
  bool reaped_ = false;
  std::optional<ExitStatus> status_;
};

// The program `name` would run: `name` itself when it contains a slash, else the first match in `path`
// (a PATH-style list). Throws InvalidArgument "NAME: command not found in PATH", "NAME: no such file" or
// "NAME: not an executable file".
std::string find_executable(const std::string& name, const std::string& path);

}  // namespace ssetool
