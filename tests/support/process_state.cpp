// See process_state.hpp.
#include "process_state.hpp"

#include <fstream>
#include <string>
#include <thread>

namespace testsupport {

char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  auto close_paren = line.rfind(')');  // the command name may hold spaces and parentheses
  return close_paren == std::string::npos || close_paren + 2 >= line.size() ? 0 : line[close_paren + 2];
}

bool wait_dead(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    char state = process_state(pid);
    if (state == 0 || state == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace testsupport
