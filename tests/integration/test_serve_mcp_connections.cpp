// Integration tests of the connections of `serve --mcp`: a POST whose answer had to open a stream keeps its
// connection for the client's next request once the stream has ended, and a client that hangs up while the
// child is still working is released at once (the child told with notifications/cancelled); --answer-wait.
#include <catch2/catch.hpp>
#include <csignal>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> streaming_server() {
  return {"python3", std::string(SSETOOL_TEST_DATA) + "/serve/mcp_streaming_server.py"};
}

// `serve --mcp` under test, stopped with SIGTERM at the end so that it stops its children.
using McpBridge = TerminatedSsetool;

McpBridge start_bridge(std::vector<std::string> options = {}) {
  std::vector<std::string> args{"serve", "--mcp"};
  args.insert(args.end(), options.begin(), options.end());
  args.emplace_back("--");
  for (const auto& word : streaming_server()) args.push_back(word);
  return McpBridge(start_ssetool(args));
}

Headers post_headers(const std::string& accept, const std::string& session = "") {
  Headers h{{"Content-Type", "application/json"}, {"Accept", accept}};
  if (!session.empty()) h.emplace_back("Mcp-Session-Id", session);
  return h;
}

void release_held(int port, const std::string& session) {
  auto released = http_request(port, "POST", "/mcp", post_headers("application/json", session),
                               R"({"jsonrpc":"2.0","method":"test/release"})");
  REQUIRE(released.status == 202);
}

// The raw bytes of a POST of tools/call `tool` with JSON-RPC id `id`.
std::string call_bytes(const std::string& session, int id, const std::string& tool, const std::string& accept) {
  std::string body = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
                     R"(,"method":"tools/call","params":{"name":")" + tool + R"(","arguments":{}}})";
  return "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: " + accept +
         "\r\nMcp-Session-Id: " + session + "\r\nMCP-Protocol-Version: 2025-11-25\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("serve --mcp: POSTs answered as streams keep their connection for the next request",
          "[serve][mcp]") {
  auto server = start_bridge();
  std::string session = open_session(server.port);
  RawConnection c(server.port);
  std::size_t from = 0;
  for (int id = 10; id < 13; ++id) {
    CAPTURE(id);
    REQUIRE(c.send_all(call_bytes(session, id, "talk", "application/json, text/event-stream")));
    // The child's notification came alone: the answer is a stream, open before the response exists.
    auto note = c.read_until("working on " + std::to_string(id), kDefaultTimeout, from);
    REQUIRE(note);
    std::string head = c.received().substr(from, *note - from);
    CHECK(head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(head.find("Connection: close") == std::string::npos);
    release_held(server.port, session);
    auto response = c.read_until(R"("id":)" + std::to_string(id) + R"(,"result":{"released":true})", kDefaultTimeout,
                                 *note);
    REQUIRE(response);
    auto end = c.read_until("\r\n0\r\n\r\n", kDefaultTimeout, *response);  // the stream's final chunk
    REQUIRE(end);
    from = *end + 7;
  }
  CHECK_FALSE(c.closed_by_peer());
}

TEST_CASE("serve --mcp: a client that hangs up while the child works is released at once, the child told",
          "[serve][mcp]") {
  auto server = start_bridge();
  std::string session = open_session(server.port);
  {
    RawConnection c(server.port);
    REQUIRE(c.send_all(call_bytes(session, 7, "quiet", "application/json")));
    REQUIRE(await_metric(server.port, "replies_waiting", 1, kDefaultTimeout));
  }  // closed: the client leaves while the child still holds the call
  CHECK(await_metric(server.port, "replies_waiting", 0, kDefaultTimeout));
  CHECK(metric(server.port, "replies_abandoned_total") == 1);
  CHECK(server.process->wait_for_stderr("cancelled 7"));
  // The session goes on: another call is answered (the cancelled one's late answer goes nowhere).
  RawConnection next(server.port);
  REQUIRE(next.send_all(call_bytes(session, 8, "quiet", "application/json")));
  REQUIRE(await_metric(server.port, "replies_waiting", 1, kDefaultTimeout));
  release_held(server.port, session);
  CHECK(next.read_until(R"({"jsonrpc":"2.0","id":8,"result":{"released":true}})"));
  CHECK(next.received().find(R"("id":7)") == std::string::npos);
}

TEST_CASE("serve --mcp --answer-wait 0: every SSE answer opens as a stream at once, the connection kept",
          "[serve][mcp]") {
  auto server = start_bridge({"--answer-wait", "0"});
  std::string session = open_session(server.port);
  RawConnection c(server.port);
  REQUIRE(c.send_all(call_bytes(session, 20, "quiet", "application/json, text/event-stream")));
  // The head comes before the command has answered (it holds the call until released).
  auto head_end = c.read_until("\r\n\r\n");
  REQUIRE(head_end);
  CHECK(c.received().find("Transfer-Encoding: chunked\r\n") < *head_end);
  CHECK(c.received().find("Connection: close") == std::string::npos);
  release_held(server.port, session);
  auto response = c.read_until(R"("id":20,"result":{"released":true})");
  REQUIRE(response);
  REQUIRE(c.read_until("\r\n0\r\n\r\n", kDefaultTimeout, *response));
  CHECK_FALSE(c.closed_by_peer());
}

TEST_CASE("serve --answer-wait: a bad duration, or without --mcp, is a usage error naming the flag", "[serve][mcp]") {
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--mcp", "--answer-wait", "soon"}, "--answer-wait"},
           {{"--answer-wait", "1ms"}, "--answer-wait: applies to --mcp"}}) {
    std::vector<std::string> argv{ssetool_binary(), "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--", "cat"});
    Process p(argv);
    CHECK(p.wait(10s) == 2);
    CHECK(p.stderr_text().find(message) != std::string::npos);
  }
}
