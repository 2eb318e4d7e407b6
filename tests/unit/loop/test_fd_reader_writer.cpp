// Unit tests for reading a child's output and writing its input on the stream loop: lines, end of output,
// pause/resume, the line limit, draining; a bounded stdin buffer that waits for a full pipe, and EPIPE.
#include <catch2/catch.hpp>

#include <csignal>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "ssetool/loop/fd_reader.hpp"
#include "ssetool/loop/fd_writer.hpp"
#include "ignore_sigpipe.hpp"
#include "run_bounded.hpp"
#include "test_pipe.hpp"

using namespace ssetool;
using testsupport::IgnoreSigpipe;
using testsupport::run_bounded;
using namespace std::chrono_literals;
using testsupport::Pipe;

TEST_CASE("fd reader: lines until end of output, an unterminated last line included", "[serve]") {
  Loop loop;
  Pipe pipe(O_NONBLOCK);
  std::vector<std::string> lines;
  std::optional<std::string> error = "not ended";
  FdReader reader(
      loop, pipe.take_read(), 1024, [&](std::string_view l) { lines.emplace_back(l); },
      [&](const std::optional<std::string>& e) {
        error = e;
        loop.stop();
      });
  pipe.write("one\r\ntwo\nthr");
  pipe.write("ee");
  ::close(pipe.take_write());
  run_bounded(loop);
  CHECK(lines == std::vector<std::string>{"one", "two", "three"});
  CHECK_FALSE(error);
  CHECK_FALSE(reader.open());
}

TEST_CASE("fd reader: a line over the limit ends reading with an error", "[serve]") {
  Loop loop;
  Pipe pipe(O_NONBLOCK);
  std::optional<std::string> error;
  FdReader reader(
      loop, pipe.take_read(), 8, [](std::string_view) {},
      [&](const std::optional<std::string>& e) {
        error = e;
        loop.stop();
      });
  pipe.write("0123456789abcdef\n");
  run_bounded(loop);
  REQUIRE(error);
  CHECK(error->find("longer than the limit of 8 bytes") != std::string::npos);
}

TEST_CASE("fd reader: nothing is read while paused, resume delivers what waited", "[serve]") {
  Loop loop;
  Pipe pipe(O_NONBLOCK);
  std::vector<std::string> lines;
  FdReader reader(
      loop, pipe.take_read(), 1024, [&](std::string_view l) { lines.emplace_back(l); },
      [&](const std::optional<std::string>&) { loop.stop(); });
  reader.pause();
  pipe.write("held\n");
  ::close(pipe.take_write());  // a hung-up pipe must not wake a paused reader either
  loop.add_timer(50ms, [&] {
    CHECK(lines.empty());
    reader.resume();
  });
  run_bounded(loop);
  CHECK(lines == std::vector<std::string>{"held"});
}

TEST_CASE("fd reader: drain_and_end takes what is there without waiting for end of output", "[serve]") {
  Loop loop;
  Pipe pipe(O_NONBLOCK);
  std::vector<std::string> lines;
  bool ended = false;
  FdReader reader(
      loop, pipe.take_read(), 1024, [&](std::string_view l) { lines.emplace_back(l); },
      [&](const std::optional<std::string>& e) {
        CHECK_FALSE(e);
        ended = true;
      });
  reader.pause();
  pipe.write("x\ny");  // the write end stays open
  reader.drain_and_end();
  CHECK(ended);
  CHECK(lines == std::vector<std::string>{"x", "y"});
}

TEST_CASE("fd writer: a full pipe keeps data waiting, bounded, and it goes out in order", "[serve]") {
  Loop loop;
  Pipe pipe(O_NONBLOCK);
  std::size_t released = 0;
  FdWriter writer(loop, pipe.take_write(), 128 * 1024, [&](std::size_t n) { released += n; }, [] {});
  std::string first(100 * 1024, 'a'), second(30 * 1024, 'b');
  first.back() = '\n';
  second.back() = '\n';
  REQUIRE(writer.write(first));
  CHECK(writer.pending() > 0);  // a pipe holds 64 KiB
  REQUIRE(writer.write(second));
  std::size_t waiting = writer.pending();
  CHECK_FALSE(writer.write(std::string(128 * 1024 - waiting + 1, 'c')));  // over the limit: refused whole
  CHECK(writer.pending() == waiting);

  std::string received;
  FdReader reader(
      loop, pipe.take_read(), 1 << 20,
      [&](std::string_view l) {
        received.append(l);
        received += '\n';
        if (received.size() == first.size() + second.size()) loop.stop();
      },
      [](const std::optional<std::string>&) {});
  run_bounded(loop);
  CHECK(received == first + second);
  CHECK(writer.pending() == 0);
  CHECK(released == first.size() + second.size());
}

TEST_CASE("fd writer: when the reader is gone, what waits is dropped and the writer closes", "[serve]") {
  IgnoreSigpipe ignore;
  Loop loop;
  Pipe pipe(O_NONBLOCK);
  std::size_t released = 0;
  int closed = 0;
  FdWriter writer(loop, pipe.take_write(), 1 << 20, [&](std::size_t n) { released += n; }, [&] { ++closed; });
  ::close(pipe.take_read());
  writer.write("lost\n");
  CHECK(closed == 1);
  CHECK_FALSE(writer.open());
  CHECK(released == 5);
  CHECK_FALSE(writer.write("more\n"));
  writer.close();
  CHECK(closed == 1);
}
