// The exit status formats (see sources/exit_status.hpp).
#include "ssetool/sources/exit_status.hpp"

#include <cstring>
#include <sys/wait.h>

namespace ssetool {

int ExitStatus::code() const {
  if (WIFEXITED(wait_status_)) return WEXITSTATUS(wait_status_);
  if (WIFSIGNALED(wait_status_)) return 128 + WTERMSIG(wait_status_);
  return 1;
}

std::string ExitStatus::text() const {
  if (WIFEXITED(wait_status_)) return std::to_string(WEXITSTATUS(wait_status_));
  if (WIFSIGNALED(wait_status_)) {
    const char* name = sigabbrev_np(WTERMSIG(wait_status_));  // none for the real-time signals
    return name ? std::string("SIG") + name : "signal " + std::to_string(WTERMSIG(wait_status_));
  }
  return "unknown";
}

std::string ExitStatus::description() const {
  if (WIFEXITED(wait_status_)) return "exit status " + text();
  if (WIFSIGNALED(wait_status_)) return "killed by " + text();
  return "unknown status";
}

}  // namespace ssetool
