// How a child process ended, kept as its wait status, and the three ways ssetool shows it: the shell's exit
// code (pipe's own exit code), the short text (serve's --exit-event data) and the description (log lines).
#pragma once

#include <string>

namespace ssetool {

class ExitStatus {
 public:
  explicit ExitStatus(int wait_status) : wait_status_(wait_status) {}

  int wait_status() const { return wait_status_; }  // as waitpid() gives it (WIFEXITED() and co. apply)
  // The shell's code: the exit status, or 128 + the signal's number for a child killed by a signal.
  int code() const;
  // "0".."255" for an exit, the signal's name ("SIGTERM") for a child killed by a signal.
  std::string text() const;
  // "exit status 3" or "killed by SIGTERM".
  std::string description() const;

 private:
  int wait_status_;
};

}  // namespace ssetool
