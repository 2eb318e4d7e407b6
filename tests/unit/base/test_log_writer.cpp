// LogWriter: lines reach the descriptor in order; a reader that stops never blocks the writer (lines beyond the
// limit are dropped, counted and reported once there is room); destruction ends even when nobody reads.
// [concurrency]: writers on several threads and the writer's own thread (also run under TSan).
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "ssetool/base/log_writer.hpp"

namespace {

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { REQUIRE(::pipe2(fds, O_CLOEXEC) == 0); }
  ~Pipe() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
  // Everything written until the write end closes (the caller closes it first).
  std::string read_all() {
    std::string out;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
    return out;
  }
  void close_write() {
    ::close(fds[1]);
    fds[1] = -1;
  }
};

std::string numbered(int i) { return "line " + std::to_string(i); }

}  // namespace

TEST_CASE("log writer: lines reach the descriptor in order, each with its newline", "[log][concurrency]") {
  Pipe pipe;
  std::string expected;
  {
    ssetool::LogWriter writer(pipe.fds[1]);
    for (int i = 0; i < 200; ++i) {
      writer.write(numbered(i));
      expected += numbered(i) + "\n";
    }
  }  // destruction writes what is pending
  pipe.close_write();
  CHECK(pipe.read_all() == expected);
}

TEST_CASE("log writer: several threads write at once, no line lost or torn", "[log][concurrency]") {
  Pipe pipe;
  std::string out;
  std::thread reader([&] { out = pipe.read_all(); });
  {
    ssetool::LogWriter writer(pipe.fds[1]);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&writer, t] {
        for (int i = 0; i < 500; ++i) writer.write("thread " + std::to_string(t) + " " + numbered(i));
      });
    for (auto& t : threads) t.join();
    CHECK(writer.dropped() == 0);
  }
  pipe.close_write();
  reader.join();
  for (int t = 0; t < 4; ++t)
    for (int i : {0, 250, 499})
      CHECK(out.find("thread " + std::to_string(t) + " " + numbered(i) + "\n") != std::string::npos);
  CHECK(std::count(out.begin(), out.end(), '\n') == 2000);
}

TEST_CASE("log writer: a reader that stops never blocks the writer, the drop is counted, then reported",
          "[log][concurrency]") {
  Pipe pipe;
  ssetool::LogWriter writer(pipe.fds[1], 16 * 1024, std::chrono::milliseconds(200));
  // 10 MB of lines into a pipe of 64 KiB that nobody reads: write() returns every time (a block would hang here).
  std::string line(99, 'x');
  for (int i = 0; i < 100'000; ++i) writer.write(line);
  CHECK(writer.dropped() > 90'000);
  // The reader comes back: the writer drains and then says how many lines went missing.
  std::string out;
  char buffer[4096];
  while (out.find("log line(s) dropped") == std::string::npos) {
    ssize_t n = ::read(pipe.fds[0], buffer, sizeof buffer);
    REQUIRE(n > 0);
    out.append(buffer, static_cast<std::size_t>(n));
  }
  CHECK(out.find("ssetool: ") != std::string::npos);
}

TEST_CASE("log writer: destruction gives up after its drain time when nobody reads", "[log][concurrency]") {
  Pipe pipe;
  {
    ssetool::LogWriter writer(pipe.fds[1], 1 << 20, std::chrono::milliseconds(100));
    std::string line(1000, 'y');
    for (int i = 0; i < 1000; ++i) writer.write(line);  // 1 MB: more than the pipe holds
  }  // returns (after about 100 ms) although the pipe is full and never read
  pipe.close_write();
  std::string out = pipe.read_all();
  CHECK(!out.empty());                 // what the pipe took,
  CHECK(out.size() < 1000 * 1001);     // and no more: the rest was dropped
}
