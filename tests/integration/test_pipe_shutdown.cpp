// Integration tests of `ssetool pipe` stopping on SIGTERM while input arrives faster than it is delivered: reading
// stops at once, every line read reaches the client, in order, before a clean end; what cannot be delivered within
// --grace is counted in one line on stderr.
#include <catch2/catch.hpp>

#include <atomic>
#include <charconv>
#include <csignal>
#include <regex>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

// "from\nfrom+1\n..." for `count` lines.
std::string numbered_lines(std::uint64_t from, std::size_t count) {
  std::string s;
  s.reserve(count * 12);
  char digits[24];
  for (std::uint64_t i = from; i < from + count; ++i) {
    auto end = std::to_chars(digits, digits + sizeof digits, i).ptr;
    s.append(digits, end);
    s += '\n';
  }
  return s;
}

// Writes numbered lines (1, 2, 3...) to the process's stdin as fast as it reads them, on a thread of its own, until
// `limit` lines are written, the process stops reading for good (it exited), or stop() is called.
class Producer {
 public:
  Producer(Process& process, std::size_t limit) : thread_([this, &process, limit] { run(process, limit); }) {}
  ~Producer() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Lines written or being written: an upper bound of what the server can have read.
  std::uint64_t lines_written() const { return written_.load(); }

 private:
  void run(Process& process, std::size_t limit) {
    constexpr std::size_t kChunk = 4000;
    while (!stop_ && written_ < limit) {
      std::string chunk = numbered_lines(written_ + 1, kChunk);
      written_ += kChunk;  // counted before it is written: the server may read it before write_stdin returns
      if (!process.write_stdin(chunk)) return;
    }
  }
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> written_{0};
  std::thread thread_;
};

// What `ssetool pipe -v` logs at the end: "input: N lines read, M events published".
struct InputSummary {
  std::uint64_t lines_read = 0;
  std::uint64_t published = 0;
};
std::optional<InputSummary> input_summary(const std::string& stderr_text) {
  std::smatch m;
  if (!std::regex_search(stderr_text, m, std::regex("input: ([0-9]+) lines read, ([0-9]+) events published")))
    return std::nullopt;
  return InputSummary{std::stoull(m[1].str()), std::stoull(m[2].str())};
}

}  // namespace

TEST_CASE("pipe: on SIGTERM every line read from a fast stdin reaches the client in order, then a clean end",
          "[pipe][shutdown][concurrency]") {
  for (int run = 0; run < 3; ++run) {
    INFO("run " << run);
    auto server = start_pipe({"-v", "--grace", "60s", "--client-buffer", "512MiB", "--heartbeat", "0"});
    SseClient client(server.port, "/events");
    REQUIRE(await_metric(server.port, "clients_connected", 1));
    Producer producer(*server.process, 1'000'000);

    // The client reads; mid-stream, the server is told to stop.
    std::uint64_t received = 0;
    bool in_order = true;
    auto take = [&](const ssetool::ParsedEvent& e) {
      ++received;
      if (e.data != std::to_string(received)) in_order = false;
    };
    while (received < 10'000) {
      auto e = client.next_event();
      REQUIRE(e);
      take(*e);
    }
    server.process->signal(SIGTERM);
    while (auto e = client.next_event(30s)) take(*e);
    CHECK(client.wait_end());  // the final chunk: a clean end
    CHECK_FALSE(client.ended_abruptly());
    REQUIRE(server.process->wait(30s) == 0);
    producer.stop();

    std::string log = server.process->stderr_text();
    INFO(log);
    auto input = input_summary(log);
    REQUIRE(input);
    CHECK(in_order);
    CHECK(received == input->lines_read);                   // everything read was delivered...
    CHECK(input->published == input->lines_read);
    CHECK(log.find("not delivered") == std::string::npos);  // ...within the grace period
    CHECK(input->lines_read <= producer.lines_written());
  }
}

TEST_CASE("pipe: events still queued for a client when --grace runs out are counted in one line on stderr",
          "[pipe][shutdown][concurrency]") {
  auto server = start_pipe({"--grace", "200ms", "--client-buffer", "512MiB", "--heartbeat", "0"});
  SseClient client(server.port, "/events");  // reads the response head, then nothing more
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  // About 20 MB of frames: more than the socket buffers of a loopback connection hold.
  constexpr std::size_t kLines = 600'000;
  REQUIRE(server.process->write_stdin(numbered_lines(1, kLines), 60s));
  REQUIRE(await_metric(server.port, "events_published_total", kLines, 60s));
  server.process->signal(SIGTERM);
  REQUIRE(server.process->wait(30s) == 0);

  std::string log = server.process->stderr_text();
  INFO(log);
  std::smatch m;
  REQUIRE(std::regex_search(log, m, std::regex("not delivered within the grace period: ([0-9]+) queued event\\(s\\) "
                                               "to 1 client\\(s\\)")));
  std::uint64_t cut = std::stoull(m[1].str());
  CHECK(cut > 0);
  CHECK(cut < kLines);
}

TEST_CASE("pipe -f sse: an event still without its blank line on SIGTERM or at end of input is said to be left out",
          "[pipe][shutdown]") {
  for (bool signalled : {true, false}) {
    INFO((signalled ? "SIGTERM" : "end of input"));
    auto server = start_pipe({"-f", "sse", "--on-eof", "close"});
    SseClient client(server.port, "/events");
    REQUIRE(await_metric(server.port, "clients_connected", 1));
    REQUIRE(server.process->write_stdin("data: one\n\ndata: two\n"));
    auto first = client.next_event();
    REQUIRE(first);
    CHECK(first->data == "one");
    if (signalled) server.process->signal(SIGTERM);
    else server.process->close_stdin();
    REQUIRE(server.process->wait(15s) == 0);
    CHECK_FALSE(client.next_event());  // the stream ended cleanly, without "two"
    CHECK(server.process->stderr_text().find(
              "input: an SSE event had no blank line after it yet when reading ended: left out, never published") !=
          std::string::npos);
  }
}
