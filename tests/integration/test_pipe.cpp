// Integration tests of `ssetool pipe`: fan-out, resume, --replay-last, shutdown, input formats, the command
// form, --stamp. The server behaviour every server shares is tested (through pipe) in test_server.cpp.
#include <catch2/catch.hpp>

#include <csignal>
#include <regex>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

std::string numbered_lines(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) s += std::to_string(i) + "\n";
  return s;
}

}  // namespace

TEST_CASE("pipe: several clients receive identical streams, then a clean end at end of input",
          "[pipe][concurrency]") {
  auto server = start_pipe();
  std::vector<std::unique_ptr<SseClient>> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(std::make_unique<SseClient>(server.port, "/events"));
  REQUIRE(await_metric(server.port, "clients_connected", 5));
  server.process->write_stdin(numbered_lines(1, 50));
  server.process->close_stdin();
  for (auto& c : clients) {
    CHECK(c->status() == 200);
    CHECK(c->header("Content-Type") == "text/event-stream");
    CHECK(c->header("Cache-Control") == "no-cache");
    CHECK(c->header("X-Accel-Buffering") == "no");
    auto events = c->events_until(50);
    REQUIRE(events.size() == 50);
    for (int i = 0; i < 50; ++i) {
      CHECK(events[i].data == std::to_string(i + 1));
      CHECK(events[i].last_event_id == std::to_string(i + 1));
    }
    CHECK(c->wait_end());
  }
  CHECK(server.process->wait() == 0);
}

TEST_CASE("pipe: 100,000 lines all arrive in order with ids 1..100000, then a clean end", "[pipe][concurrency]") {
  auto server = start_pipe({"--client-buffer", "64MiB"});
  SseClient client(server.port, "/events");
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  std::thread writer([&] {
    server.process->write_stdin(numbered_lines(1, 100000), 60s);
    server.process->close_stdin();
  });
  auto events = client.events_until(100000, 60s);
  writer.join();
  REQUIRE(events.size() == 100000);
  bool in_order = true;
  for (int i = 0; i < 100000 && in_order; ++i)
    in_order = events[i].data == std::to_string(i + 1) && events[i].last_event_id == std::to_string(i + 1);
  CHECK(in_order);
  CHECK(client.wait_end(30s));
  CHECK(server.process->wait(30s) == 0);
}

TEST_CASE("pipe: payloads arrive as the spec says", "[pipe]") {
  auto server = start_pipe();
  SseClient client(server.port, "/events");
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  std::string big(1 << 20, 'x');
  server.process->write_stdin("a\rb\n  two spaces\nkey: value\n\nwindows\r\nh\xC3\xA9llo \xF0\x9F\x98\x80\n" + big + "\n");
  server.process->close_stdin();
  auto events = client.events_until(7, 20s);
  REQUIRE(events.size() == 7);
  CHECK(events[0].data == "a\nb");  // a CR inside a line splits the data; it arrives as LF
  CHECK(events[1].data == "  two spaces");
  CHECK(events[2].data == "key: value");
  CHECK(events[3].data == "");
  CHECK(events[4].data == "windows");
  CHECK(events[5].data == "h\xC3\xA9llo \xF0\x9F\x98\x80");
  CHECK(events[6].data == big);
  CHECK(client.wait_end());
}

TEST_CASE("pipe: Last-Event-ID resume by header and by query, with no gap or duplicate", "[pipe]") {
  auto server = start_pipe({"--on-eof", "stay"});
  server.process->write_stdin(numbered_lines(1, 10));
  {
    SseClient first(server.port, "/events?lastEventId=0");  // unknown id: gap signal then all history
    auto events = first.events_until(11);
    REQUIRE(events.size() == 11);
    CHECK(events[0].type == "gap");
    CHECK(events[1].data == "1");
  }
  SseClient by_header(server.port, "/events", {{"Last-Event-ID", "7"}});
  SseClient by_query(server.port, "/events?lastEventId=8");
  REQUIRE(await_metric(server.port, "clients_connected", 2));
  server.process->write_stdin(numbered_lines(11, 12));
  auto h = by_header.events_until(5);
  REQUIRE(h.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(h[i].data == std::to_string(8 + i));
  auto q = by_query.events_until(4);
  REQUIRE(q.size() == 4);
  for (int i = 0; i < 4; ++i) CHECK(q[i].data == std::to_string(9 + i));
}

TEST_CASE("pipe: a resume older than the history gets the gap event first", "[pipe]") {
  auto server = start_pipe({"--history", "3", "--on-eof", "stay"});
  server.process->write_stdin(numbered_lines(1, 6));
  REQUIRE(await_metric(server.port, "events_published_total", 6));
  SseClient client(server.port, "/events", {{"Last-Event-ID", "2"}});
  auto events = client.events_until(4);
  REQUIRE(events.size() == 4);
  CHECK(events[0].type == "gap");
  CHECK(events[0].data == R"({"last_event_id":"2","oldest_id":"4"})");
  CHECK(events[1].data == "4");
  CHECK(events[3].data == "6");
}

TEST_CASE("pipe: --replay-last gives a new client the last N events", "[pipe]") {
  auto server = start_pipe({"--replay-last", "2", "--on-eof", "stay"});
  server.process->write_stdin(numbered_lines(1, 5));
  REQUIRE(await_metric(server.port, "events_published_total", 5));
  SseClient client(server.port, "/events");
  auto events = client.events_until(2);
  REQUIRE(events.size() == 2);
  CHECK(events[0].data == "4");
  CHECK(events[1].data == "5");
}

TEST_CASE("pipe: SIGTERM ends every stream cleanly and exits 0", "[pipe][concurrency]") {
  auto server = start_pipe();
  SseClient client(server.port, "/events");
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  server.process->write_stdin("last words\n");
  auto event = client.next_event();
  REQUIRE(event);
  server.process->signal(SIGTERM);
  CHECK(client.wait_end());
  CHECK(server.process->wait() == 0);
}

TEST_CASE("pipe: bad flags are usage errors naming the flag, exit 2", "[pipe]") {
  for (auto flag : std::vector<std::vector<std::string>>{{"--heartbeat", "15"},
                                                         {"--format", "xml"},
                                                         {"--header", "no colon"},
                                                         {"--listen", "host:70000"},
                                                         {"--client-buffer", "lots"},
                                                         {"--event", "a\rb"}}) {
    std::vector<std::string> argv{ssetool_binary(), "pipe"};
    argv.insert(argv.end(), flag.begin(), flag.end());
    Process p(argv);
    CHECK(p.wait() == 2);
    CHECK(p.stderr_text().find(flag[0]) != std::string::npos);
  }
}

TEST_CASE("pipe: the command form streams the command's output and exits with its status", "[pipe]") {
  auto server = start_ssetool({"pipe", "--", "sh", "-c", "read go; echo one; echo two >&2; echo three; exit 3"});
  SseClient client(server.port, "/events");
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  server.process->write_stdin("go\n");
  auto events = client.events_until(2);
  REQUIRE(events.size() == 2);
  CHECK(events[0].data == "one");
  CHECK(events[1].data == "three");
  CHECK(client.wait_end());
  CHECK(server.process->wait() == 3);
  CHECK(server.process->stderr_text().find("two") != std::string::npos);  // stderr passes through
}

TEST_CASE("pipe: a command that cannot run is a usage error", "[pipe]") {
  Process p({ssetool_binary(), "pipe", "--listen", "127.0.0.1:0", "--", "/no/such/program"});
  CHECK(p.wait() == 2);
  CHECK(p.stderr_text().find("cannot run '/no/such/program'") != std::string::npos);
}

TEST_CASE("pipe: ndjson input maps fields, invalid lines are skipped, or fatal with --strict", "[pipe]") {
  auto server = start_ssetool({"pipe", "-f", "ndjson"});
  SseClient client(server.port, "/events");
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  server.process->write_stdin("{\"event\":\"t\",\"data\":{\"a\":1},\"id\":\"x9\"}\nnot json\n[1,2]\n");
  server.process->close_stdin();
  auto events = client.events_until(2);
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == "t");
  CHECK(events[0].data == "{\"a\":1}");
  CHECK(events[0].last_event_id == "x9");
  CHECK(events[1].data == "[1,2]");
  CHECK(server.process->wait() == 0);
  CHECK(server.process->stderr_text().find("stdin:2:2: invalid JSON: invalid literal (skipped)") != std::string::npos);

  auto strict = start_ssetool({"pipe", "-f", "ndjson", "--strict"});
  SseClient strict_client(strict.port, "/events");
  REQUIRE(await_metric(strict.port, "clients_connected", 1));
  strict.process->write_stdin("{\"data\":\"kept\"}\n{oops\n{\"data\":\"never\"}\n");
  auto kept = strict_client.next_event();
  REQUIRE(kept);
  CHECK(kept->data == "kept");
  CHECK(strict_client.wait_end());
  CHECK(strict.process->wait() == 1);
  CHECK(strict.process->stderr_text().find("stdin:2:2: invalid JSON: invalid literal\n") != std::string::npos);
}

// Issue 12: 1e999 is an out_of_range error for the JSON library, deep nesting overflowed the stack when written.
TEST_CASE("pipe: ndjson lines the JSON library throws on are bad lines, reported with their line", "[pipe]") {
  auto server = start_ssetool({"pipe", "-f", "ndjson"});
  SseClient client(server.port, "/events");
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  server.process->write_stdin("{\"data\":\"a\"}\n1e999\n{\"data\":{\"n\":-1e999}}\n" + deep + "\n{\"data\":\"b\"}\n");
  server.process->close_stdin();
  auto events = client.events_until(2);
  REQUIRE(events.size() == 2);
  CHECK(events[0].data == "a");
  CHECK(events[1].data == "b");
  CHECK(server.process->wait() == 0);
  std::string err = server.process->stderr_text();
  CHECK(err.find("stdin:2: invalid JSON: number overflow parsing '1e999' (skipped)") != std::string::npos);
  CHECK(err.find("stdin:3: invalid JSON: number overflow parsing '-1e999' (skipped)") != std::string::npos);
  CHECK(err.find("stdin:4:513: invalid JSON: arrays and objects nested deeper than 512 levels (skipped)") !=
        std::string::npos);
}

TEST_CASE("pipe: sse input is re-encoded, so malformed input cannot corrupt the stream", "[pipe]") {
  auto server = start_ssetool({"pipe", "-f", "sse"});
  SseClient client(server.port, "/events");
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  server.process->write_stdin("event: greet\nid: 42\ndata: hi\n\ndata:no space\r\nretry: x\n\n");
  server.process->close_stdin();
  auto events = client.events_until(2);
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == "greet");
  CHECK(events[0].last_event_id == "42");
  CHECK(events[1].data == "no space");
  CHECK(client.wait_end());
}

TEST_CASE("pipe: --stamp prefixes data with the send time", "[pipe]") {
  auto server = start_pipe({"--stamp"});
  SseClient client(server.port, "/events");
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  server.process->write_stdin("payload\n");
  auto event = client.next_event();
  REQUIRE(event);
  CHECK(std::regex_match(event->data, std::regex("@\\d{16} payload")));
}
