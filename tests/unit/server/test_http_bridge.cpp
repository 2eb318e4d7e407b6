// Tests of the cpp-httplib coupling (lib/src/http_bridge.cpp): they pin the library behaviours the
// hand-off relies on, so that a change in cpp-httplib shows up here first.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssetool/server/http_bridge.hpp"

using namespace ssetool;

namespace {

// A connected socket pair: the server side goes into a Transport, the test plays the client.
struct Pair {
  int client = -1;
  std::unique_ptr<Transport> server;
  Pair() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    client = fds[0];
    server = std::make_unique<Transport>(fds[1]);
  }
  ~Pair() { ::close(client); }
  std::string received() {
    fcntl(client, F_SETFL, O_NONBLOCK);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(client, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
};

Handler test_handler() {
  return [](const Request& req) {
    if (req.path == "/events") return Reply::stream([](Session&) {});
    return Reply::text(200, "hello " + req.method + " " + req.param("q").value_or("-"));
  };
}

const PeerInfo kPeer{"127.0.0.1", 4242, "127.0.0.1", 8080};

}  // namespace

TEST_CASE("a stream request gets httplib's headers and nothing else, then is handed over", "[bridge]") {
  Pair pair;
  HttpBridge bridge(test_handler(), pair.server->fd(), std::chrono::milliseconds(1000));
  std::string input = "GET /events?x=1 HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip, br\r\nLast-Event-ID: 7\r\n\r\n";
  BridgeOutcome outcome = bridge.process(*pair.server, input, kPeer);
  CHECK(outcome.kind == BridgeOutcome::stream);
  CHECK(outcome.stream_offered);
  CHECK(outcome.open_stream);
  CHECK(outcome.request.path == "/events");
  CHECK(outcome.request.header("last-event-id") == "7");
  CHECK(outcome.request.remote_addr == "127.0.0.1");
  CHECK(outcome.request.remote_port == 4242);
  std::string head = pair.received();
  CHECK(head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(head.find("Content-Type: text/event-stream\r\n") != std::string::npos);
  CHECK(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(head.find("Content-Encoding") == std::string::npos);  // never compressed
  REQUIRE(head.size() >= 4);
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n");  // headers only: the body is the loop's
}

TEST_CASE("a short request is answered and the connection kept alive with pipelined bytes left", "[bridge]") {
  Pair pair;
  HttpBridge bridge(test_handler(), pair.server->fd(), std::chrono::milliseconds(1000));
  std::string input = "GET /x?q=1 HTTP/1.1\r\nHost: t\r\n\r\nGET /y HTTP/1.1\r\nHost: t\r\n\r\n";
  BridgeOutcome first = bridge.process(*pair.server, input, kPeer);
  CHECK(first.kind == BridgeOutcome::keep_alive);
  CHECK_FALSE(first.stream_offered);
  CHECK(input == "GET /y HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string response = pair.received();
  CHECK(response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(response.find("hello GET 1") != std::string::npos);
  BridgeOutcome second = bridge.process(*pair.server, input, kPeer);
  CHECK(second.kind == BridgeOutcome::keep_alive);
  CHECK(input.empty());
}

TEST_CASE("Connection: close and HEAD on a stream are not handed over", "[bridge]") {
  Pair pair;
  HttpBridge bridge(test_handler(), pair.server->fd(), std::chrono::milliseconds(1000));
  std::string close_input = "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  CHECK(bridge.process(*pair.server, close_input, kPeer).kind == BridgeOutcome::close);
  std::string head_input = "HEAD /events HTTP/1.1\r\nHost: t\r\n\r\n";
  BridgeOutcome head = bridge.process(*pair.server, head_input, kPeer);
  CHECK(head.kind != BridgeOutcome::stream);
  CHECK(head.stream_offered);  // the server releases the admission it reserved
  CHECK_FALSE(head.open_stream);
}

TEST_CASE("a POST body that arrived with the headers reaches the handler", "[bridge]") {
  Pair pair;
  std::string seen;
  HttpBridge bridge([&](const Request& r) { seen = r.body; return Reply::text(202, ""); }, pair.server->fd(),
                    std::chrono::milliseconds(1000));
  std::string input = "POST /in HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
  CHECK(bridge.process(*pair.server, input, kPeer).kind == BridgeOutcome::keep_alive);
  CHECK(seen == "hello");
  CHECK(pair.received().rfind("HTTP/1.1 202", 0) == 0);
}

TEST_CASE("a malformed request line is refused by httplib and the connection closed", "[bridge]") {
  Pair pair;
  HttpBridge bridge(test_handler(), pair.server->fd(), std::chrono::milliseconds(1000));
  std::string input = "NONSENSE\r\n\r\n";
  CHECK(bridge.process(*pair.server, input, kPeer).kind == BridgeOutcome::close);
  CHECK(pair.received().rfind("HTTP/1.1 400", 0) == 0);
}

// Issue 13: httplib merged a form body's fields into the query parameters (and refused one over 8 KiB with 413),
// and read a multipart body into files, leaving the body empty. The handler gets the URL's query and the body as
// sent, with its Content-Type.
TEST_CASE("a form or multipart body reaches the handler as sent, and the query is the URL's only", "[bridge]") {
  Pair pair;
  Request seen;
  HttpBridge bridge([&](const Request& r) { seen = r; return Reply::text(202, ""); }, pair.server->fd(),
                    std::chrono::milliseconds(1000));
  auto post = [&](const std::string& type, const std::string& body) {
    std::string input = "POST /in?a=1&b=x+y HTTP/1.1\r\nHost: t\r\ncontent-type: " + type +
                        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return bridge.process(*pair.server, input, kPeer).kind;
  };
  std::string form = "model=x&pad=" + std::string(20000, 'p');
  CHECK(post("application/x-www-form-urlencoded", form) == BridgeOutcome::keep_alive);
  CHECK(seen.body == form);
  CHECK(seen.query == Headers{{"a", "1"}, {"b", "x y"}});
  CHECK(seen.header("Content-Type") == "application/x-www-form-urlencoded");
  CHECK(pair.received().rfind("HTTP/1.1 202", 0) == 0);

  std::string multipart = "--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--B--\r\n";
  CHECK(post("multipart/form-data; boundary=B", multipart) == BridgeOutcome::keep_alive);
  CHECK(seen.body == multipart);
  CHECK(seen.header("content-type") == "multipart/form-data; boundary=B");
}
