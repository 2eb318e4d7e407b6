// Unit tests for FdSource over a pipe: lines and ndjson decoded into batches, skipped and fatal input errors
// (--strict, --max-line) with their line numbers, a receiver that stops reading, and cancelling a source that is
// blocked waiting for input.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <unistd.h>
#include <vector>

#include "ssetool/sources/fd_source.hpp"
#include "test_pipe.hpp"

using namespace ssetool;
using namespace std::chrono_literals;
using testsupport::Pipe;

namespace {

// What the source hands over, kept for the test thread to look at.
struct Received {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> data;
  std::vector<InputError> errors;
  int batches = 0;
  bool ended = false;
  bool keep_reading = true;  // what the events handler answers

  FdSource::Handlers handlers() {
    return {.events =
                [this](std::vector<Event>& batch) {
                  std::lock_guard lock(mutex);
                  ++batches;
                  for (const Event& e : batch) data.push_back(e.data);
                  changed.notify_all();
                  return keep_reading;
                },
            .error =
                [this](const InputError& error) {
                  std::lock_guard lock(mutex);
                  errors.push_back(error);
                },
            .end =
                [this] {
                  std::lock_guard lock(mutex);
                  ended = true;
                  changed.notify_all();
                }};
  }

  template <class Condition>
  bool wait_until(Condition condition) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 10s, condition);
  }
  bool wait_end() {
    return wait_until([this] { return ended; });
  }
};

std::unique_ptr<EventDecoder> decoder(InputFormat format) { return EventDecoder::create(format); }

// The one error reported, as expected.
void check_error(const Received& received, std::size_t line, const std::string& message, bool fatal,
                 std::size_t column = 0) {
  REQUIRE(received.errors.size() == 1);
  CHECK(received.errors[0].line == line);
  CHECK(received.errors[0].column == column);
  CHECK(received.errors[0].message == message);
  CHECK(received.errors[0].fatal == fatal);
}

// Runs a source over `input`, then the end of input, until it ends; whether it failed.
bool read_to_end(Received& received, const std::string& input, InputFormat format, FdSourceOptions options = {}) {
  Pipe pipe;
  pipe.write(input);
  ::close(pipe.take_write());
  FdSource source(pipe.read_end, decoder(format), options, received.handlers());
  REQUIRE(received.wait_end());
  source.join();
  return source.failed();
}

}  // namespace

TEST_CASE("fd source: lines become events, CRLF and an unterminated last line included", "[sources][concurrency]") {
  Received received;
  CHECK_FALSE(read_to_end(received, "one\r\ntwo\nthree", InputFormat::lines));
  CHECK(received.data == std::vector<std::string>{"one", "two", "three"});
  CHECK(received.errors.empty());
}

TEST_CASE("fd source: events arrive as the input does, in batches", "[sources][concurrency]") {
  Pipe pipe;
  Received received;
  FdSource source(pipe.read_end, decoder(InputFormat::lines), {}, received.handlers());
  pipe.write("a\nb\n");
  REQUIRE(received.wait_until([&] { return received.data.size() == 2; }));
  pipe.write("c\n");
  REQUIRE(received.wait_until([&] { return received.data.size() == 3; }));
  {
    std::lock_guard lock(received.mutex);
    CHECK_FALSE(received.ended);  // the input is still open
  }
  ::close(pipe.take_write());
  REQUIRE(received.wait_end());
  source.join();
  CHECK(received.data == std::vector<std::string>{"a", "b", "c"});
  CHECK(received.batches >= 2);
}

TEST_CASE("fd source: an invalid ndjson line is reported with its number and skipped", "[sources][concurrency]") {
  Received received;
  CHECK_FALSE(read_to_end(received, "{\"data\":\"x\"}\nnot json\n[1,2]\n", InputFormat::ndjson));
  CHECK(received.data == std::vector<std::string>{"x", "[1,2]"});
  check_error(received, 2, "invalid JSON: invalid literal", false, 2);
}

TEST_CASE("fd source: with strict, an invalid line ends the input, what came before is delivered",
          "[sources][concurrency]") {
  std::string input = GENERATE(as<std::string>(),
                               "{\"data\":\"kept\"}\n{oops\n{\"data\":\"never\"}\n",  // a line in the middle
                               "{\"data\":\"kept\"}\n{oops");                             // the last, unterminated
  Received received;
  CHECK(read_to_end(received, input, InputFormat::ndjson, {.strict = true}));
  CHECK(received.data == std::vector<std::string>{"kept"});
  check_error(received, 2, "invalid JSON: invalid literal", true, 2);
}

TEST_CASE("fd source: a line over max_line ends the input", "[sources][concurrency]") {
  Pipe pipe;
  Received received;
  FdSource source(pipe.read_end, decoder(InputFormat::lines), {.max_line = 4}, received.handlers());
  pipe.write("abc\n");
  REQUIRE(received.wait_until([&] { return received.data.size() == 1; }));
  pipe.write("abcd\nabcde\nnever\n");  // four bytes is the limit, five is over it
  REQUIRE(received.wait_end());
  source.join();
  CHECK(received.data == std::vector<std::string>{"abc", "abcd"});
  check_error(received, 3, "a line is longer than the limit of 4 bytes", true);
  CHECK(source.failed());
}

TEST_CASE("fd source: reading stops when the receiver says so", "[sources][concurrency]") {
  Pipe pipe;
  Received received;
  received.keep_reading = false;
  pipe.write("a\n");
  FdSource source(pipe.read_end, decoder(InputFormat::lines), {}, received.handlers());
  REQUIRE(received.wait_end());  // the input is still open: only the answer ended it
  source.join();
  CHECK(received.data == std::vector<std::string>{"a"});
  CHECK(received.batches == 1);
  CHECK_FALSE(source.failed());
}

TEST_CASE("fd source: cancel wakes a source blocked waiting for input", "[sources][concurrency]") {
  Pipe pipe;
  Received received;
  FdSource source(pipe.read_end, decoder(InputFormat::lines), {}, received.handlers());
  SECTION("before any input") {}
  SECTION("after some input") {
    pipe.write("a\n");
    REQUIRE(received.wait_until([&] { return received.data.size() == 1; }));
  }
  source.cancel();
  REQUIRE(received.wait_end());
  source.join();
  CHECK(received.errors.empty());
  CHECK_FALSE(source.failed());
}

TEST_CASE("fd source: destroying a running source cancels and joins it", "[sources][concurrency]") {
  Pipe pipe;
  Received received;
  {
    FdSource source(pipe.read_end, decoder(InputFormat::lines), {}, received.handlers());
  }
  std::lock_guard lock(received.mutex);
  CHECK(received.ended);
}
