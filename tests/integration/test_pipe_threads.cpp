// Integration tests of `ssetool pipe --threads N`: streams spread over N stream loops, every event to every client
// in order whatever its loop, Last-Event-ID and the join of a stream while events flow, a slow client on one loop
// against the others, shutdown across loops, the flag's errors and default.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <sched.h>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

std::string numbered_lines(int from, int to, std::size_t pad = 0) {
  std::string s;
  for (int i = from; i <= to; ++i) s += std::to_string(i) + (pad ? " " + std::string(pad, 'x') : "") + "\n";
  return s;
}

long loop_clients(int port, int loop) {
  return metric(port, "loop_clients_connected\\{loop=\"" + std::to_string(loop) + "\"\\}");
}

// Opens `n` streams one after the other (each placed before the next: the loops are taken in turn).
std::vector<std::unique_ptr<SseClient>> connect_clients(int port, int n, const Headers& headers = {}) {
  std::vector<std::unique_ptr<SseClient>> clients;
  long before = metric(port, "clients_connected");
  for (int i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<SseClient>(port, "/events", headers));
    REQUIRE(await_metric(port, "clients_connected", before + i + 1));
  }
  return clients;
}

// True when the events' ids are first..last, one after the other, and each data starts with its id.
bool consecutive(const std::vector<ssetool::ParsedEvent>& events, long first, long last) {
  if (events.size() != static_cast<std::size_t>(last - first + 1)) return false;
  for (std::size_t i = 0; i < events.size(); ++i) {
    std::string id = std::to_string(first + static_cast<long>(i));
    if (events[i].last_event_id != id || events[i].data.rfind(id, 0) != 0) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("pipe --threads 4: streams are spread over the loops, every client gets every event in order",
          "[pipe][threads][concurrency]") {
  auto server = start_pipe({"--threads", "4"});
  CHECK(metric(server.port, "stream_loops") == 4);
  auto clients = connect_clients(server.port, 12);
  for (int loop = 0; loop < 4; ++loop) CHECK(loop_clients(server.port, loop) == 3);
  std::thread writer([&] {
    server.process->write_stdin(numbered_lines(1, 3000), 30s);
    server.process->close_stdin();
  });
  for (auto& c : clients) {
    CHECK(consecutive(c->events_until(3000, 30s), 1, 3000));
    CHECK(c->wait_end());
  }
  writer.join();
  CHECK(server.process->wait() == 0);
}

TEST_CASE("pipe --threads 3: streams joining while events flow get no gap and no duplicate, resumes included",
          "[pipe][threads][concurrency]") {
  auto server = start_pipe({"--threads", "3", "--history", "100000", "--client-buffer", "64MiB"});
  constexpr int kEvents = 20000;
  server.process->write_stdin(numbered_lines(1, 100));
  REQUIRE(await_metric(server.port, "events_published_total", 100));
  std::thread writer([&] { server.process->write_stdin(numbered_lines(101, kEvents - 100), 30s); });
  // Fresh clients start at the first event published after they were accepted; resuming ones right after 50.
  std::vector<std::unique_ptr<SseClient>> fresh, resuming;
  try {
    fresh = connect_clients(server.port, 6);
    resuming = connect_clients(server.port, 3, {{"Last-Event-ID", "50"}});
  } catch (...) {
    writer.join();
    throw;
  }
  writer.join();
  // The last events go out once every client is in: each has at least those.
  server.process->write_stdin(numbered_lines(kEvents - 99, kEvents));
  server.process->close_stdin();
  for (auto& c : fresh) {
    auto first = c->next_event(30s);
    REQUIRE(first);
    long start = std::stol(first->last_event_id);
    auto rest = c->events_until(static_cast<std::size_t>(kEvents - start), 30s);
    rest.insert(rest.begin(), *first);
    CHECK(consecutive(rest, start, kEvents));
  }
  for (auto& c : resuming) CHECK(consecutive(c->events_until(kEvents - 50, 30s), 51, kEvents));
  CHECK(server.process->wait(30s) == 0);
}

TEST_CASE("pipe --threads 2: clients that stopped reading, on both loops, do not hold up the others",
          "[pipe][threads][concurrency]") {
  // A buffer large enough that nobody is dropped: the stalled clients keep megabytes queued while the rest flows.
  auto server = start_pipe({"--threads", "2", "--client-buffer", "64MiB", "--grace", "200ms"});
  // The first two streams are placed on loop 0 and loop 1; they send a request and never read.
  std::vector<std::unique_ptr<RawConnection>> stalled;
  for (int i = 0; i < 2; ++i) {
    stalled.push_back(std::make_unique<RawConnection>(server.port));
    REQUIRE(stalled.back()->send_all("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(await_metric(server.port, "clients_connected", i + 1));
  }
  auto fast = connect_clients(server.port, 4);
  CHECK(loop_clients(server.port, 0) == 3);
  CHECK(loop_clients(server.port, 1) == 3);
  // About 13 MB: far more than a stalled client's socket buffers absorb. Each fast client is read on a thread of
  // its own, as a real client reads.
  constexpr int kEvents = 40000;
  std::vector<std::vector<ssetool::ParsedEvent>> received(fast.size());
  std::vector<std::thread> readers;
  for (std::size_t i = 0; i < fast.size(); ++i)
    readers.emplace_back([&, i] { received[i] = fast[i]->events_until(kEvents, 60s); });
  bool written = server.process->write_stdin(numbered_lines(1, kEvents, 300), 60s);
  for (auto& r : readers) r.join();
  CHECK(written);
  for (auto& events : received) {
    INFO(events.size() << " events, the last " << (events.empty() ? "" : events.back().last_event_id));
    CHECK(consecutive(events, 1, kEvents));
  }
  // Meanwhile the stalled ones were still there, far behind (6 frames of 300 bytes or more per event, 40,000 events).
  CHECK(metric(server.port, "clients_connected") == 6);
  CHECK(metric(server.port, "clients_dropped_slow_total") == 0);
  CHECK(metric(server.port, "frames_delivered_total") < 6L * kEvents);
  server.process->close_stdin();
  for (auto& c : fast) CHECK(c->wait_end());
  CHECK(server.process->wait() == 0);  // the stalled streams are cut at the end of --grace
}

TEST_CASE("pipe --threads 3: SIGTERM ends the streams of every loop cleanly and exits 0",
          "[pipe][threads][concurrency]") {
  auto server = start_pipe({"--threads", "3"});
  auto clients = connect_clients(server.port, 6);
  for (int loop = 0; loop < 3; ++loop) CHECK(loop_clients(server.port, loop) == 2);
  server.process->write_stdin("last words\n");
  for (auto& c : clients) {
    auto event = c->next_event();
    REQUIRE(event);
    CHECK(event->data == "last words");
  }
  server.process->signal(SIGTERM);
  for (auto& c : clients) CHECK(c->wait_end());
  CHECK(server.process->wait() == 0);
}

TEST_CASE("pipe --threads: heartbeats reach idle streams on every loop", "[pipe][threads]") {
  auto server = start_pipe({"--threads", "2", "--heartbeat", "50ms"});
  auto clients = connect_clients(server.port, 2);
  for (auto& c : clients) {
    CHECK_FALSE(c->next_event(300ms));  // nothing published: only comments arrive
    CHECK_FALSE(c->comments().empty());
  }
}

TEST_CASE("pipe --threads: the default is the CPUs the process may use, at most 16, bad values exit 2",
          "[pipe][threads]") {
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
  {
    auto server = start_pipe();
    CHECK(metric(server.port, "stream_loops") == std::clamp(CPU_COUNT(&set), 1, 16));
  }
  {
    auto server = start_pipe({"--threads", "1"});
    CHECK(metric(server.port, "stream_loops") == 1);
  }
  for (std::string bad : {"0", "many", "257"}) {
    Process p({ssetool_binary(), "pipe", "--threads", bad});
    CHECK(p.wait() == 2);
    CHECK(p.stderr_text().find("--threads") != std::string::npos);
  }
}
