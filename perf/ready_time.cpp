// perf/ready_time: time to ready for scripts/bench. Starts a server command RUNS times and measures, each
// time, the wall time from just before fork() to the moment its port file appears (an inotify event on the
// file's directory: no polling). The server's stdin is a pipe kept open, so an input-driven server does not
// stop at end of input. After each run the server gets SIGTERM (SIGKILL after 5 s). Prints one JSON object:
//   {"runs":20,"ok":20,"p50_ms":3.1,"min_ms":2.8,"max_ms":5.0,"error":""}
//
//   ready_time 20 DIR/port -- ssetool pipe --listen 127.0.0.1:0 --port-file DIR/port
//
// Built by scripts/bench with g++ into build/bench/; not part of the ssetool build.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

bool file_ready(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
}

// Waits for `path` to exist with content; false after `timeout_ms` or when the child exits first.
bool wait_for_file(int inotify_fd, const std::string& path, pid_t child, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  char events[4096];
  while (!file_ready(path)) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (left <= 0) return false;
    pollfd p{inotify_fd, POLLIN, 0};
    // Wake at least every 50 ms to notice a child that died without writing the file.
    if (::poll(&p, 1, std::min(left, 50)) > 0) {
      while (::read(inotify_fd, events, sizeof events) > 0) {
      }
    }
    int status;
    if (::waitpid(child, &status, WNOHANG) == child) return file_ready(path);
  }
  return true;
}

void stop_child(pid_t child) {
  ::kill(child, SIGTERM);
  for (int i = 0; i < 500; ++i) {
    int status;
    pid_t r = ::waitpid(child, &status, WNOHANG);
    if (r == child || r < 0) return;
    ::usleep(10000);
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || std::strcmp(argv[3], "--") != 0) {
    std::fprintf(stderr, "usage: ready_time RUNS PORT_FILE -- COMMAND ARGS...\n");
    return 2;
  }
  int runs = std::atoi(argv[1]);
  std::string port_file = argv[2];
  std::string dir = port_file.substr(0, port_file.rfind('/'));
  int inotify_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd < 0 || ::inotify_add_watch(inotify_fd, dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
    std::fprintf(stderr, "ready_time: inotify on %s: %s\n", dir.c_str(), std::strerror(errno));
    return 1;
  }
  std::vector<double> times;
  std::string error;
  for (int run = 0; run < runs; ++run) {
    ::unlink(port_file.c_str());
    int in[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return 1;
    auto start = Clock::now();
    pid_t child = ::fork();
    if (child == 0) {
      ::dup2(in[0], STDIN_FILENO);
      ::execvp(argv[4], argv + 4);
      _exit(127);
    }
    ::close(in[0]);
    bool ok = wait_for_file(inotify_fd, port_file, child, 10000);
    auto took = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    stop_child(child);
    ::close(in[1]);
    if (!ok) {
      error = std::string("no port file from ") + argv[4] + " within 10 s (or it exited)";
      break;
    }
    times.push_back(took);
  }
  std::sort(times.begin(), times.end());
  auto at = [&](double q) { return times.empty() ? 0.0 : times[static_cast<size_t>(q * (times.size() - 1))]; };
  std::printf("{\"runs\":%d,\"ok\":%zu,\"p50_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,\"error\":\"%s\"}\n", runs,
              times.size(), at(0.5), at(0.0), at(1.0), error.c_str());
  return error.empty() ? 0 : 1;
}
