// Integration tests of the server behaviour every ssetool server shares (pipe, serve, replay), run against
// `ssetool pipe` as the server under test: heartbeats and retry, the slow-client drop, a client that hangs up,
// admission (--max-clients), auth (--token), CORS and extra headers, /healthz and /metrics, a busy port, many idle
// connections, HTTPS. Test names keep their "pipe:" prefix from before they moved here from test_pipe.cpp.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

TEST_CASE("pipe: an idle stream gets heartbeats and the retry field", "[server][pipe]") {
  auto server = start_pipe({"--heartbeat", "50ms", "--retry", "1500ms"});
  SseClient client(server.port, "/events");
  CHECK_FALSE(client.next_event(300ms));  // nothing but heartbeats arrives
  CHECK(client.comments().size() >= 1);
  CHECK(client.retry() == 1500u);
}

TEST_CASE("pipe: a client that never reads is dropped at its limit, the others get everything",
          "[server][pipe][concurrency]") {
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

TEST_CASE("pipe: a client that closes its socket is noticed at once, heartbeats off", "[server][pipe]") {
  auto server = start_pipe({"--heartbeat", "0", "-v"});
  {
    SseClient client(server.port, "/events");
    REQUIRE(await_metric(server.port, "clients_connected", 1));
  }
  CHECK(await_metric(server.port, "clients_connected", 0, 2s));
  CHECK(server.process->wait_for_stderr("(client went away)"));
}

TEST_CASE("pipe: beyond --max-clients a client gets 503 with Retry-After", "[server][pipe]") {
  auto server = start_pipe({"--max-clients", "1"});
  SseClient first(server.port, "/events");
  CHECK(first.status() == 200);
  SseClient second(server.port, "/events");
  CHECK(second.status() == 503);
  CHECK(second.header("Retry-After") == "1");
}

TEST_CASE("pipe: --token requires a bearer token or access_token", "[server][pipe]") {
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

TEST_CASE("pipe: CORS preflight and headers, extra headers", "[server][pipe]") {
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

TEST_CASE("pipe: /healthz, /metrics and 404 elsewhere", "[server][pipe]") {
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

TEST_CASE("pipe: a busy port is a clear error, exit 1", "[server][pipe]") {
  auto first = start_pipe();
  Process second({ssetool_binary(), "pipe", "--listen", "127.0.0.1:" + std::to_string(first.port)});
  CHECK(second.wait() == 1);
  CHECK(second.stderr_text().find("address already in use") != std::string::npos);
}

TEST_CASE("pipe: 256 silent or slow connections delay neither /healthz nor a new stream",
          "[server][pipe][concurrency]") {
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

TEST_CASE("pipe: HTTPS streams run on the same loop", "[server][pipe][tls][concurrency]") {
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

TEST_CASE("pipe: unreadable TLS files are a clear start-up error", "[server][pipe][tls]") {
  Process p({ssetool_binary(), "pipe", "--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent.pem", "--tls-key",
             "/nonexistent.key"});
  CHECK(p.wait() == 2);
  CHECK(p.stderr_text().find("--tls-cert /nonexistent.pem") != std::string::npos);
}
