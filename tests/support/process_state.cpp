// See process_state.hpp.
#include "process_state.hpp"

#include <dirent.h>
#include <fstream>
#include <map>
#include <sstream>
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

std::set<pid_t> descendants(pid_t root) {
  std::map<pid_t, pid_t> parent;
  DIR* proc = ::opendir("/proc");
  while (dirent* entry = ::readdir(proc)) {
    pid_t pid = std::atoi(entry->d_name);
    if (pid <= 0) continue;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    std::size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state;
    pid_t ppid = 0;
    std::istringstream(line.substr(close + 2)) >> state >> ppid;
    parent[pid] = ppid;
  }
  ::closedir(proc);
  std::set<pid_t> found{root};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, ppid] : parent)
      if (found.count(ppid) && found.insert(pid).second) grew = true;
  }
  found.erase(root);
  return found;
}

}  // namespace testsupport
