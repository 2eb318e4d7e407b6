// perf/raw_write: the floor that scripts/bench measures ssetool against. The least work an SSE server can do
// for the same sockets and the same frames: one thread, accept(), a fixed response head, then for the lines of
// each stdin read the same bytes `ssetool pipe --stamp` sends — frames "id: N\ndata: @<epoch us> LINE\n\n" in
// one HTTP chunk — written with one send() to every client in turn. Like ssetool, lines that arrive together go
// out together (one send per client per read, not per line); when paced lines arrive one at a time, that is one
// send per frame. No queues, no history, no parsing of requests: a client whose socket is full is dropped. At end
// of input every stream gets the final chunk and the program exits.
//
//   raw_write --port-file FILE < lines
//
// Built by scripts/bench with g++ into build/bench/; not part of the ssetool build.
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr char kHead[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "raw_write: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

int listen_on_loopback(const char* port_file) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4096) != 0) die("listen");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::string tmp = std::string(port_file) + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) die("port file");
  std::fprintf(f, "%d\n", ntohs(a.sin_port));
  std::fclose(f);
  if (std::rename(tmp.c_str(), port_file) != 0) die("port file");
  return fd;
}

std::uint64_t epoch_micros() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

struct Server {
  int listen_fd = -1;
  std::vector<int> clients;
  std::uint64_t next_id = 1;
  std::uint64_t dropped = 0;

  void accept_all() {
    for (;;) {
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (::send(fd, kHead, sizeof kHead - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof kHead - 1)) {
        ::close(fd);
        continue;
      }
      clients.push_back(fd);
    }
  }

  // Appends line's frame to `frames`.
  void add_frame(std::string& frames, std::string_view line) {
    char prefix[64];
    int n = std::snprintf(prefix, sizeof prefix, "id: %llu\ndata: @%llu ", static_cast<unsigned long long>(next_id++),
                          static_cast<unsigned long long>(epoch_micros()));
    frames.append(prefix, static_cast<std::size_t>(n)).append(line).append("\n\n");
  }

  // The frames as one HTTP chunk to every client, one send() each; a client that cannot take it whole is dropped.
  void broadcast(const std::string& frames) {
    char head[16];
    int head_len = std::snprintf(head, sizeof head, "%zx\r\n", frames.size());
    std::string chunk;
    chunk.reserve(frames.size() + 32);
    chunk.append(head, static_cast<std::size_t>(head_len)).append(frames).append("\r\n");
    for (std::size_t i = 0; i < clients.size();) {
      ssize_t n = ::send(clients[i], chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n == static_cast<ssize_t>(chunk.size())) {
        ++i;
        continue;
      }
      ::close(clients[i]);
      clients[i] = clients.back();
      clients.pop_back();
      ++dropped;
    }
  }

  void end_all() {
    for (int fd : clients) {
      ::send(fd, "0\r\n\r\n", 5, MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
    }
    clients.clear();
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "--port-file") != 0) {
    std::fprintf(stderr, "usage: raw_write --port-file FILE < lines\n");
    return 2;
  }
  raise_descriptor_limit();
  Server server;
  server.listen_fd = listen_on_loopback(argv[2]);
  std::string pending, frames;
  char buf[65536];
  for (;;) {
    pollfd fds[2] = {{server.listen_fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) die("poll");
    if (fds[0].revents & POLLIN) server.accept_all();
    if (!(fds[1].revents & (POLLIN | POLLHUP))) continue;
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    frames.clear();
    for (std::size_t lf; (lf = pending.find('\n', start)) != std::string::npos; start = lf + 1)
      server.add_frame(frames, std::string_view(pending).substr(start, lf - start));
    pending.erase(0, start);
    if (!frames.empty()) server.broadcast(frames);
  }
  server.end_all();
  if (server.dropped > 0) std::fprintf(stderr, "raw_write: %llu clients dropped (socket full)\n",
                                       static_cast<unsigned long long>(server.dropped));
  return 0;
}
