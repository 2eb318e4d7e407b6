// Integration tests of `ssetool replay` (issue 5), part 2: the faults a client's error handling and reconnect
// logic is tested with — --drop-after and resume by Last-Event-ID (header or query), --stall-after without
// heartbeats, --fail-first/--fail-status, --chunking, --first-byte-delay — against the built binary.
#include <catch2/catch.hpp>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

// Ten numbered events, "id: N / data: eventN".
std::string ten_events(const TempDir& dir) {
  std::string text;
  for (int i = 1; i <= 10; ++i) text += "id: " + std::to_string(i) + "\ndata: event" + std::to_string(i) + "\n\n";
  return dir.write("ten.sse", text);
}

// The sizes of the HTTP chunks in a raw chunked response (after its headers), final chunk included.
std::vector<std::size_t> chunk_sizes(const std::string& raw) {
  std::vector<std::size_t> sizes;
  std::size_t at = raw.find("\r\n\r\n");
  REQUIRE(at != std::string::npos);
  at += 4;
  while (at < raw.size()) {
    std::size_t eol = raw.find("\r\n", at);
    REQUIRE(eol != std::string::npos);
    std::size_t size = std::stoul(raw.substr(at, eol - at), nullptr, 16);
    sizes.push_back(size);
    at = eol + 2 + size + 2;
  }
  return sizes;
}

}  // namespace

TEST_CASE("replay --drop-after N cuts each connection after N events, without the final chunk", "[replay][faults]") {
  TempDir dir;
  auto server = start_replay({ten_events(dir), "--speed", "0", "--drop-after", "3"});
  SseClient client(server.port, "/events");
  auto events = client.events_until(3);
  REQUIRE(events.size() == 3);
  CHECK(events[2].data == "event3");
  CHECK_FALSE(client.wait_end());
  CHECK(client.ended_abruptly());
}

TEST_CASE("replay resumes after a drop: reconnecting with Last-Event-ID continues where the client was",
          "[replay][faults][concurrency]") {
  TempDir dir;
  auto server = start_replay({ten_events(dir), "--speed", "0", "--drop-after", "4"});
  std::vector<std::string> received;
  std::string last_id;
  for (int connection = 0; connection < 3; ++connection) {
    Headers headers;
    if (!last_id.empty()) headers.emplace_back("Last-Event-ID", last_id);
    SseClient client(server.port, "/events", headers);
    for (const auto& e : client.events_until(4)) {
      received.push_back(e.data);
      last_id = e.last_event_id;
    }
    client.wait_end();
  }
  CHECK(received == std::vector<std::string>{"event1", "event2", "event3", "event4", "event5", "event6", "event7",
                                             "event8", "event9", "event10"});
  CHECK(last_id == "10");
}

TEST_CASE("replay resumes from the lastEventId query parameter too", "[replay][faults]") {
  TempDir dir;
  auto server = start_replay({ten_events(dir), "--speed", "0"});
  SseClient client(server.port, "/events?lastEventId=8");
  auto events = client.events_until(5);
  REQUIRE(events.size() == 2);
  CHECK(events[0].data == "event9");
  CHECK(events[1].data == "event10");
  CHECK(client.wait_end());
}

TEST_CASE("replay --stall-after N sends N events then nothing, not even heartbeats, and keeps the connection",
          "[replay][faults]") {
  TempDir dir;
  auto server = start_replay({ten_events(dir), "--speed", "0", "--stall-after", "2", "--heartbeat", "50ms"});
  SseClient client(server.port, "/events");
  REQUIRE(client.events_until(2).size() == 2);
  CHECK_FALSE(client.next_event(400ms));  // eight heartbeat periods
  CHECK(client.comments().empty());
  CHECK_FALSE(client.ended());
}

TEST_CASE("replay --fail-first N answers the first N requests with 503 and Retry-After, then streams",
          "[replay][faults][concurrency]") {
  auto server = start_replay({replay_sample("ticks.tape"), "--speed", "0", "--fail-first", "2"});
  for (int i = 0; i < 2; ++i) {
    auto failed = http_request(server.port, "GET", "/events");
    CHECK(failed.status == 503);
    CHECK(failed.header("Retry-After") == "1");
  }
  SseClient client(server.port, "/events");
  CHECK(client.status() == 200);
  CHECK(client.events_until(3).size() == 3);
}

TEST_CASE("replay --fail-status sets the status of the --fail-first failures", "[replay][faults]") {
  auto server = start_replay({replay_sample("ticks.tape"), "--speed", "0", "--fail-first", "1", "--fail-status", "500"});
  auto failed = http_request(server.port, "GET", "/events");
  CHECK(failed.status == 500);
  CHECK_FALSE(failed.header("Retry-After"));
  CHECK(http_request(server.port, "GET", "/events").status == 200);
}

TEST_CASE("replay --chunking byte writes every byte in a chunk of its own, the events still arrive whole",
          "[replay][faults]") {
  TempDir dir;
  std::string file = dir.write("one.sse", "event: x\ndata: hello\n\n");
  auto server = start_replay({file, "--chunking", "byte"});
  RawConnection raw(server.port);
  REQUIRE(raw.send_all("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(raw.read_until("\r\n0\r\n\r\n"));
  auto sizes = chunk_sizes(raw.received());
  CHECK(sizes.size() == std::string("event: x\ndata: hello\n\n").size() + 1);
  CHECK(std::all_of(sizes.begin(), sizes.end() - 1, [](std::size_t s) { return s == 1; }));
  CHECK(sizes.back() == 0);

  SseClient client(server.port, "/events");
  auto event = client.next_event();
  REQUIRE(event);
  CHECK(event->type == "x");
  CHECK(event->data == "hello");
}

TEST_CASE("replay --chunking random is reproducible with --seed", "[replay][faults]") {
  TempDir dir;
  std::string file = dir.write("long.sse", "data: " + std::string(300, 'x') + "\n\n");
  auto sizes_with_seed = [&](const std::string& seed) {
    auto server = start_replay({file, "--chunking", "random", "--seed", seed});
    RawConnection raw(server.port);
    REQUIRE(raw.send_all("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(raw.read_until("\r\n0\r\n\r\n"));
    return chunk_sizes(raw.received());
  };
  auto a = sizes_with_seed("5");
  CHECK(a.size() > 10);
  CHECK(a == sizes_with_seed("5"));
}

TEST_CASE("replay --first-byte-delay holds the first event back", "[replay][faults]") {
  auto server = start_replay({replay_sample("ticks.tape"), "--speed", "0", "--first-byte-delay", "300ms"});
  auto start = std::chrono::steady_clock::now();
  SseClient client(server.port, "/events");
  REQUIRE(client.next_event());
  CHECK(std::chrono::steady_clock::now() - start >= 300ms);
}
