// Integration tests of the server against hostile clients (issue 12), run against the built `ssetool pipe`:
// slow request bodies hold no worker, bodies are bounded (per request and in total), refusals come before the
// body is read, framing is strict (RFC 9112), and bad -H, --cors and --listen unix: values are refused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

// The resident set of a process, in bytes (VmRSS of /proc/PID/status).
long rss_bytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) * 1024;
  return -1;
}

// Sends a raw request and reads the answer to the end: the server must answer and close.
std::string answer_and_close(int port, const std::string& request) {
  RawConnection c(port);
  c.send_all(request);
  c.read_to_end(5s);
  CHECK(c.closed_by_peer());
  return c.received();
}

std::chrono::microseconds time_healthz(int port) {
  auto start = std::chrono::steady_clock::now();
  auto response = http_request(port, "GET", "/healthz", {}, {}, 5s);
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  CHECK(response.status == 200);
  return took;
}

const std::string kChunkedHead = "POST /events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

}  // namespace

TEST_CASE("server: 16 slow chunked bodies hold no worker, /healthz p99 stays under 50 ms",
          "[server][hardening][concurrency]") {
  auto server = start_pipe({"--on-eof", "stay"});
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 16; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server.port));
    REQUIRE(slow.back()->send_all(kChunkedHead + "1\r\n"));
  }
  std::vector<std::chrono::microseconds> times;
  for (int round = 0; round < 4; ++round) {
    for (auto& c : slow) c->send_all("a");  // one more byte each: the bodies go on, slowly
    for (int i = 0; i < 25; ++i) times.push_back(time_healthz(server.port));
  }
  std::sort(times.begin(), times.end());
  auto p99 = times[times.size() * 99 / 100 - 1];
  INFO("p99 " << p99.count() << " us, max " << times.back().count() << " us");
  CHECK(p99 < 50ms);
  SseClient client(server.port, "/events", {}, 3s);
  CHECK(client.status() == 200);
}

TEST_CASE("server: a POST without a body is answered at once", "[server][hardening]") {
  auto server = start_pipe();
  RawConnection c(server.port);
  auto start = std::chrono::steady_clock::now();
  REQUIRE(c.send_all("POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(c.read_until("ok\n", 5s));
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  CHECK(c.received().rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("server: a chunked 300 MB body is refused with 413 at --max-body, memory stays bounded",
          "[server][hardening]") {
  auto server = start_pipe();
  long idle = rss_bytes(server.process->pid());
  RawConnection c(server.port);
  REQUIRE(c.send_all(kChunkedHead));
  std::string chunk = "100000\r\n" + std::string(1 << 20, 'x') + "\r\n";  // 1 MiB chunks
  for (int i = 0; i < 300 && c.received().empty(); ++i) {
    if (!c.send_all(chunk, 5s)) break;
    c.read_some(0ms);
  }
  c.read_until("\r\n\r\n", 5s);
  CHECK(c.received().rfind("HTTP/1.1 413", 0) == 0);
  long grown = rss_bytes(server.process->pid()) - idle;
  INFO("RSS grew by " << grown << " bytes");
  CHECK(grown < 64L << 20);
  CHECK(http_request(server.port, "GET", "/healthz").status == 200);
}

TEST_CASE("server: a Content-Length over --max-body is refused before its body is read", "[server][hardening]") {
  auto server = start_pipe({"--max-body", "1KiB"});
  RawConnection c(server.port);
  REQUIRE(c.send_all("POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 1025\r\n\r\n"));
  REQUIRE(c.read_until("\r\n\r\n", 5s));
  CHECK(c.received().rfind("HTTP/1.1 413", 0) == 0);
  CHECK(metric(server.port, R"(requests_refused_total\{status="413"\})") == 1);  // counted before it is sent
  CHECK(metric(server.port, R"(requests_refused_total\{status="400"\})") == 0);
}

TEST_CASE("server: many almost-complete 8 MB bodies stay within the in-flight budget (503 beyond)",
          "[server][hardening]") {
  auto server = start_pipe();
  long idle = rss_bytes(server.process->pid());
  std::vector<std::unique_ptr<RawConnection>> senders;
  std::string body((8 << 20) - 1, 'x');
  int refused = 0;
  for (int i = 0; i < 12; ++i) {
    senders.push_back(std::make_unique<RawConnection>(server.port));
    auto& c = *senders.back();
    c.send_all("POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(8 << 20) + "\r\n\r\n");
    c.send_all(body, 5s);
    c.read_some(100ms);
    if (c.received().rfind("HTTP/1.1 503", 0) == 0) ++refused;
  }
  long grown = rss_bytes(server.process->pid()) - idle;
  INFO("RSS grew by " << grown << " bytes; " << refused << " of 12 refused");
  CHECK(refused >= 6);
  CHECK(grown < 64L << 20);
  CHECK(http_request(server.port, "GET", "/healthz").status == 200);
}

TEST_CASE("server: --body-budget bounds the bodies held at once (503 beyond), below --max-body it is refused",
          "[server][hardening]") {
  auto server = start_pipe({"--max-body", "1KiB", "--body-budget", "2KiB"});
  std::vector<std::unique_ptr<RawConnection>> senders;
  for (int i = 0; i < 3; ++i) {  // 1,000 of each 1,024 bytes: two fit in 2 KiB, the third does not
    senders.push_back(std::make_unique<RawConnection>(server.port));
    REQUIRE(senders.back()->send_all("POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" +
                                     std::string(1000, 'x')));
  }
  // Which one is refused depends on the order the loop reads them in: exactly one, whichever it is.
  REQUIRE(await_metric(server.port, R"(requests_refused_total\{status="503"\})", 1));
  int answered = 0;
  for (auto& c : senders)
    if (c->read_some(100ms) > 0) answered += c->received().rfind("HTTP/1.1 503", 0) == 0 ? 1 : 100;
  CHECK(answered == 1);

  Process p({ssetool_binary(), "pipe", "--listen", "127.0.0.1:0", "--max-body", "2KiB", "--body-budget", "1KiB"});
  CHECK(p.wait() == 2);
  CHECK(p.stderr_text() == "ssetool: pipe: --body-budget 1KiB: must be at least --max-body (2KiB)\n");
}

TEST_CASE("server: with --token, 401 comes before the body is read", "[server][hardening]") {
  auto server = start_pipe({"--token", "sesame"});
  RawConnection c(server.port);
  REQUIRE(c.send_all("POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 8000000\r\n\r\n"));
  REQUIRE(c.read_until("\r\n\r\n", 5s));
  CHECK(c.received().rfind("HTTP/1.1 401", 0) == 0);
  CHECK(c.received().find("WWW-Authenticate: Bearer") != std::string::npos);
  RawConnection chunked(server.port);
  REQUIRE(chunked.send_all(kChunkedHead));
  REQUIRE(chunked.read_until("\r\n\r\n", 5s));
  CHECK(chunked.received().rfind("HTTP/1.1 401", 0) == 0);
  auto metrics = http_request(server.port, "GET", "/metrics", {{"Authorization", "Bearer sesame"}});
  CHECK(metrics.body.find("\nssetool_requests_refused_total{status=\"401\"} 2\n") != std::string::npos);
}

TEST_CASE("server: a body sent where the server reads none gets 404 before it is read", "[server][hardening]") {
  auto server = start_pipe();
  RawConnection c(server.port);
  REQUIRE(c.send_all("PUT /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 8000000\r\n\r\n"));
  REQUIRE(c.read_until("\r\n\r\n", 5s));
  CHECK(c.received().rfind("HTTP/1.1 404", 0) == 0);
}

TEST_CASE("serve: a body sent where serve reads none gets 404 before it is read, its stdin endpoint reads one",
          "[serve][hardening]") {
  auto server = start_ssetool({"serve", "--stdin-endpoint", "--", "cat"});
  RawConnection c(server.port);
  REQUIRE(c.send_all("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"));
  REQUIRE(c.read_until("\r\n\r\n", 5s));
  CHECK(c.received().rfind("HTTP/1.1 404", 0) == 0);
  // The stdin endpoint's path reads its body, then answers: no session by that id.
  auto unknown = http_request(server.port, "POST", "/stdin/unknown", {}, "line\n");
  CHECK(unknown.status == 404);
  CHECK(unknown.body.find("reads a request body") == std::string::npos);
  CHECK(c.received().find("nothing at this path reads a request body") != std::string::npos);
}

TEST_CASE("replay: a body sent to a path no route takes gets 404 before it is read", "[replay][hardening]") {
  auto server = start_ssetool({"replay", "--preset", "openai-chat", "--text", "hi"});
  RawConnection c(server.port);
  REQUIRE(c.send_all("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"));
  REQUIRE(c.read_until("\r\n\r\n", 5s));
  CHECK(c.received().rfind("HTTP/1.1 404", 0) == 0);
  CHECK(c.received().find("nothing at this path reads a request body") != std::string::npos);
  // The preset's path reads its body (its rules may look at it), then answers.
  auto answered = http_request(server.port, "POST", "/v1/chat/completions", {{"Content-Type", "application/json"}},
                               R"({"model":"m","stream":true})");
  CHECK(answered.status == 200);
}

TEST_CASE("server: ambiguous framing gets 400 and the connection is closed", "[server][hardening]") {
  auto server = start_pipe();
  // Content-Length with chunked: the bytes after the chunked body must not be served as a second request.
  std::string smuggle =
      "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string got = answer_and_close(server.port, smuggle);
  CHECK(got.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(got.find("HTTP/1.1", 1) == std::string::npos);
  for (const std::string request : {
           "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
           "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc",
           "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n",
           "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n",
           "GET /healthz HTTP/1.1\r\nX-A: 1\r\n\r\n",
       }) {
    INFO(request);
    CHECK(answer_and_close(server.port, request).rfind("HTTP/1.1 400", 0) == 0);
  }
}

TEST_CASE("server: Connection: close is honoured, keep-alive otherwise", "[server][hardening]") {
  auto server = start_pipe();
  std::string got = answer_and_close(server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(got.rfind("HTTP/1.1 200", 0) == 0);
  RawConnection c(server.port);
  REQUIRE(c.send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = c.read_until("ok\n", 5s);
  REQUIRE(first);
  CHECK(c.read_until("ok\n", 5s, *first + 3));
  CHECK_FALSE(c.closed_by_peer());
}

TEST_CASE("server: -H refuses framing and hop-by-hop headers, --cors refuses control characters, exit 2",
          "[server][hardening]") {
  for (const std::string header :
       {"Content-Length: 5", "transfer-encoding: chunked", "Connection: close", "Keep-Alive: 1", "Upgrade: h2c"}) {
    Process p({ssetool_binary(), "pipe", "--listen", "127.0.0.1:0", "-H", header});
    CHECK(p.wait() == 2);
    std::string err = p.stderr_text();
    INFO(err);
    CHECK(err.rfind("ssetool: pipe: --header '" + header + "'", 0) == 0);
    CHECK(err.find(header.substr(0, header.find(':')), 20) != std::string::npos);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  }
  for (const std::string origin : {"https://a.example\r\nX-Evil: 1", "https://a.example\n", "a b", ""}) {
    Process p({ssetool_binary(), "pipe", "--listen", "127.0.0.1:0", "--cors", origin});
    CHECK(p.wait() == 2);
    CHECK(p.stderr_text().find("--cors") != std::string::npos);
  }
}

TEST_CASE("server: --listen unix:PATH never removes a file that is not a socket, a stale socket is replaced",
          "[server][hardening]") {
  TempDir dir;
  std::string path = dir.path() + "/sock";
  { std::ofstream(path) << "precious\n"; }
  Process p({ssetool_binary(), "pipe", "--listen", "unix:" + path});
  CHECK(p.wait() == 1);
  CHECK(p.stderr_text().find("not a socket") != std::string::npos);
  std::ifstream kept(path);
  std::string line;
  std::getline(kept, line);
  CHECK(line == "precious");

  std::string stale = dir.path() + "/stale";
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", stale.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  ::close(fd);  // the socket file stays, with nobody listening: stale
  auto server = start_ssetool({"pipe", "--listen", "unix:" + stale, "--port-file", dir.path() + "/port"},
                              {.listen = false});
  REQUIRE(server.process->wait_for_stderr("serving unix:" + stale));
  struct stat st {};
  REQUIRE(::stat(stale.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
}

TEST_CASE("server: an HTTP/1.1 stream is chunked and says Connection: close (its connection is never reused)",
          "[server][hardening]") {
  auto server = start_pipe();
  RawConnection c(server.port);
  REQUIRE(c.send_all("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head_end = c.read_until("\r\n\r\n", 5s);
  REQUIRE(head_end);
  std::string head = c.received().substr(0, *head_end);
  INFO(head);
  CHECK(head.find("Transfer-Encoding: chunked") != std::string::npos);
  CHECK(head.find("Connection: close") != std::string::npos);
}

TEST_CASE("server: an HTTP/1.0 client's stream has no chunks and ends at close", "[server][hardening]") {
  auto server = start_pipe();
  RawConnection c(server.port);
  REQUIRE(c.send_all("GET /events HTTP/1.0\r\n\r\n"));
  auto head_end = c.read_until("\r\n\r\n", 5s);
  REQUIRE(head_end);
  std::string head = c.received().substr(0, *head_end);
  CHECK(head.find("200") != std::string::npos);
  CHECK(head.find("Transfer-Encoding") == std::string::npos);
  INFO(head);
  CHECK(head.find("Connection: close") != std::string::npos);
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  server.process->write_stdin("one\n");
  server.process->close_stdin();  // the stream ends: the connection closes
  REQUIRE(c.read_to_end(5s));
  CHECK(c.received().substr(*head_end + 4) == "id: 1\ndata: one\n\n");  // no chunk framing, no final chunk
}
