// Integration tests of `ssetool pipe` and, through it, of the stream engine shared by every server:
// fan-out, resume, slow clients, disconnects, shutdown, admission, auth, CORS, health, metrics, HTTPS.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <httplib.h>
#include <regex>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

SsetoolProcess start_pipe(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"pipe"};
  args.insert(args.end(), extra.begin(), extra.end());
  return start_ssetool(args);
}

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

TEST_CASE("pipe: an idle stream gets heartbeats and the retry field", "[pipe]") {
  auto server = start_pipe({"--heartbeat", "50ms", "--retry", "1500ms"});
  SseClient client(server.port, "/events");
  CHECK_FALSE(client.next_event(300ms));  // nothing but heartbeats arrives
  CHECK(client.comments().size() >= 1);
  CHECK(client.retry() == 1500u);
}

TEST_CASE("pipe: a client that never reads is dropped at its limit; the others get everything",
          "[pipe][concurrency]") {
  auto server = start_pipe({"--client-buffer", "2MiB", "--on-eof", "stay"});
  RawConnection stuck(server.port);
  REQUIRE(stuck.send_all("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  SseClient reader(server.port, "/events");
  REQUIRE(await_metric(server.port, "clients_connected", 2));
  // 60 rounds of 500 KB: the reader keeps up round by round; the stuck client's backlog passes any
  // socket buffers and then its 2 MiB limit.
  std::string round;
  for (int i = 0; i < 500; ++i) round += std::string(1000, 'z') + "\n";
  std::size_t received = 0;
  for (int r = 0; r < 60; ++r) {
    server.process->write_stdin(round);
    received += reader.events_until(500, 20s).size();
  }
  CHECK(received == 30000);
  CHECK(await_metric(server.port, "clients_dropped_slow_total", 1));
  CHECK(server.process->wait_for_stderr("dropped: slow client"));
}

TEST_CASE("pipe: a client that closes its socket is noticed at once, heartbeats off", "[pipe]") {
  auto server = start_pipe({"--heartbeat", "0", "-v"});
  {
    SseClient client(server.port, "/events");
    REQUIRE(await_metric(server.port, "clients_connected", 1));
  }
  CHECK(await_metric(server.port, "clients_connected", 0, 2s));
  CHECK(server.process->wait_for_stderr("stream closed (client gone)"));
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

TEST_CASE("pipe: beyond --max-clients a client gets 503 with Retry-After", "[pipe]") {
  auto server = start_pipe({"--max-clients", "1"});
  SseClient first(server.port, "/events");
  CHECK(first.status() == 200);
  SseClient second(server.port, "/events");
  CHECK(second.status() == 503);
  CHECK(second.header("Retry-After") == "1");
}

TEST_CASE("pipe: --token requires a bearer token or access_token", "[pipe]") {
  auto server = start_ssetool({"pipe", "--token", "s3cret"});
  CHECK(http_request(server.port, "GET", "/events").status == 401);
  CHECK(http_request(server.port, "GET", "/events", {{"Authorization", "Bearer wrong"}}).status == 401);
  CHECK(http_request(server.port, "GET", "/healthz").status == 200);
  SseClient bearer(server.port, "/events", {{"Authorization", "Bearer s3cret"}});
  CHECK(bearer.status() == 200);
  SseClient query(server.port, "/events?access_token=s3cret");
  CHECK(query.status() == 200);
  CHECK(server.process->stderr_text().find("s3cret") == std::string::npos);
}

TEST_CASE("pipe: CORS preflight and headers, extra headers", "[pipe]") {
  auto server = start_pipe({"--cors", "https://app.example", "-H", "X-Served-By: ssetool"});
  auto pre = http_request(server.port, "OPTIONS", "/events",
                          {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "GET"},
                           {"Access-Control-Request-Headers", "last-event-id"}});
  CHECK(pre.status == 204);
  CHECK(pre.header("Access-Control-Allow-Origin") == "https://app.example");
  CHECK(pre.header("Access-Control-Allow-Headers") == "last-event-id");
  SseClient client(server.port, "/events", {{"Origin", "https://app.example"}});
  CHECK(client.header("Access-Control-Allow-Origin") == "https://app.example");
  CHECK(client.header("X-Served-By") == "ssetool");
  auto other = http_request(server.port, "GET", "/healthz", {{"Origin", "https://evil.example"}});
  CHECK_FALSE(other.header("Access-Control-Allow-Origin"));
}

TEST_CASE("pipe: /healthz, /metrics and 404 elsewhere", "[pipe]") {
  auto server = start_pipe({"--on-eof", "stay"});
  auto health = http_request(server.port, "GET", "/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
  server.process->write_stdin("a\nb\n");
  CHECK(await_metric(server.port, "events_published_total", 2));
  CHECK(metric(server.port, "history_length") == 2);
  CHECK(metric(server.port, "connections_total") >= 1);
  CHECK(http_request(server.port, "GET", "/nope").status == 404);
}

TEST_CASE("pipe: a busy port is a clear error, exit 1", "[pipe]") {
  auto first = start_pipe();
  Process second({ssetool_binary(), "pipe", "--listen", "127.0.0.1:" + std::to_string(first.port)});
  CHECK(second.wait() == 1);
  CHECK(second.stderr_text().find("address already in use") != std::string::npos);
}

TEST_CASE("pipe: bad flags are usage errors naming the flag, exit 2", "[pipe]") {
  for (auto flag : std::vector<std::vector<std::string>>{{"--heartbeat", "15"},
                                                         {"--format", "xml"},
                                                         {"--header", "no colon"},
                                                         {"--listen", "host:70000"},
                                                         {"--client-buffer", "lots"}}) {
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

TEST_CASE("pipe: ndjson input maps fields; invalid lines are skipped, or fatal with --strict", "[pipe]") {
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
  CHECK(server.process->stderr_text().find("stdin:2: invalid JSON (skipped)") != std::string::npos);

  auto strict = start_ssetool({"pipe", "-f", "ndjson", "--strict"});
  SseClient strict_client(strict.port, "/events");
  REQUIRE(await_metric(strict.port, "clients_connected", 1));
  strict.process->write_stdin("{\"data\":\"kept\"}\n{oops\n{\"data\":\"never\"}\n");
  auto kept = strict_client.next_event();
  REQUIRE(kept);
  CHECK(kept->data == "kept");
  CHECK(strict_client.wait_end());
  CHECK(strict.process->wait() == 1);
  CHECK(strict.process->stderr_text().find("stdin:2: invalid JSON") != std::string::npos);
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

TEST_CASE("pipe: 256 silent or slow connections delay neither /healthz nor a new stream", "[pipe][concurrency]") {
  auto server = start_pipe({"--on-eof", "stay"});
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 256; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server.port));
    if (i % 2) idle.back()->send_all("GET /events HTTP/1.1\r\nHo");  // a request that never completes
  }
  CHECK(http_request(server.port, "GET", "/healthz", {}, {}, 3s).status == 200);
  SseClient client(server.port, "/events", {}, 3s);
  CHECK(client.status() == 200);
  REQUIRE(await_metric(server.port, "clients_connected", 1, 3s));
  server.process->write_stdin("through\n");
  auto event = client.next_event(3s);
  REQUIRE(event);
  CHECK(event->data == "through");
}

TEST_CASE("pipe: HTTPS streams run on the same loop", "[pipe][tls][concurrency]") {
  TempDir dir;
  auto cert = make_self_signed_certificate(dir);
  auto server = start_ssetool({"pipe", "--tls-cert", cert.cert_path, "--tls-key", cert.key_path});
  httplib::SSLClient tls("127.0.0.1", server.port);
  tls.enable_server_certificate_verification(false);
  tls.set_read_timeout(10, 0);
  auto health = tls.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  std::string body;
  std::thread feeder([&] {
    for (int i = 0; i < 2000; ++i) {
      auto m = tls.Get("/metrics");
      if (m && m->body.find("ssetool_clients_connected 1") != std::string::npos) break;
      std::this_thread::sleep_for(5ms);
    }
    server.process->write_stdin("secure\n");
    server.process->close_stdin();
  });
  httplib::SSLClient streamer("127.0.0.1", server.port);
  streamer.enable_server_certificate_verification(false);
  streamer.set_read_timeout(10, 0);
  auto res = streamer.Get("/events", [&](const char* data, size_t n) {
    body.append(data, n);
    return true;
  });
  feeder.join();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(body == "id: 1\ndata: secure\n\n");
  CHECK(server.process->wait() == 0);
}

TEST_CASE("pipe: unreadable TLS files are a clear start-up error", "[pipe][tls]") {
  Process p({ssetool_binary(), "pipe", "--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent.pem", "--tls-key",
             "/nonexistent.key"});
  CHECK(p.wait() == 2);
  CHECK(p.stderr_text().find("--tls-cert /nonexistent.pem") != std::string::npos);
}
