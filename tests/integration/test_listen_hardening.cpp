// Integration tests of `ssetool listen` against hostile or careless servers (issue 12): request headers and
// credentials do not follow a redirect to another origin (unless --location-trusted), the response head is
// bounded (64 KiB), and reconnections are floored at 100 ms with backoff after failed attempts. The built binary
// against FixtureServers on two ports (two origins) and a raw TCP server that sends endless header lines.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "ignore_sigpipe.hpp"
#include "testsupport.hpp"

using namespace std::chrono_literals;
using testsupport::FixtureResponse;
using testsupport::FixtureServer;
using testsupport::Process;

namespace {

std::unique_ptr<Process> listen(std::vector<std::string> args) {
  args.insert(args.begin(), "listen");
  return std::move(testsupport::start_ssetool(args, {.listen = false}).process);
}

std::optional<int> run(Process& process) { return process.wait(testsupport::kDefaultTimeout); }

FixtureResponse redirect_to(const std::string& location, int status = 302) {
  FixtureResponse response = FixtureResponse::plain(status, "text/plain", "moved");
  response.headers = {{"Location", location}};
  return response;
}

const std::vector<std::string> kCredentials = {"-H", "Cookie: session=secret", "-H", "X-Api-Key: k1", "--token", "t0k"};

std::vector<std::string> with_credentials(std::vector<std::string> args) {
  args.insert(args.begin(), kCredentials.begin(), kCredentials.end());
  return args;
}

void check_credentials(const testsupport::RecordedRequest& request, bool present) {
  CHECK(request.header("Cookie").has_value() == present);
  CHECK(request.header("X-Api-Key").has_value() == present);
  CHECK(request.header("Authorization").has_value() == present);
  if (present) CHECK(request.header("Authorization") == "Bearer t0k");
}

// A one-connection-at-a-time TCP server on 127.0.0.1 that reads a request head and then answers with
// `respond(fd)`; counts the bytes respond() managed to write.
class RawServer {
 public:
  explicit RawServer(std::function<std::size_t(int)> respond) : respond_(std::move(respond)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 8) == 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~RawServer() {
    stopping_ = true;
    thread_.join();
    ::close(listener_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/events"; }
  std::size_t bytes_written() const { return written_.load(); }
  bool stopping() const { return stopping_.load(); }

 private:
  void serve() {
    while (!stopping_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::string head;
      char buffer[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        pollfd c{fd, POLLIN, 0};
        if (::poll(&c, 1, 5000) <= 0) break;
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        head.append(buffer, static_cast<std::size_t>(n));
      }
      written_ += respond_(fd);
      ::close(fd);
    }
  }

  std::function<std::size_t(int)> respond_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> written_{0};
};

// Writes all of `text`; false when the peer is gone.
bool send_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

TEST_CASE("listen does not send -H headers or --token to another origin a redirect leads to",
          "[listen][concurrency]") {
  FixtureServer first;
  FixtureServer second;  // another port: another origin
  first.add(redirect_to(second.url("/elsewhere")));
  second.add(FixtureResponse::stream({{0ms, "data: there\n\n"}}));
  auto process = listen(with_credentials({"--no-reconnect", "-v", first.url()}));
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "there\n");
  REQUIRE(first.requests().size() == 1);
  REQUIRE(second.requests().size() == 1);
  check_credentials(first.requests()[0], true);
  check_credentials(second.requests()[0], false);
  CHECK(second.requests()[0].path == "/elsewhere");
  CHECK(second.requests()[0].header("Accept") == "text/event-stream");
  CHECK_THAT(process->stderr_text(), Catch::Contains("HTTP 302: redirected to GET " + second.url("/elsewhere")));
  CHECK_THAT(process->stderr_text(), Catch::Contains("not sent"));
}

TEST_CASE("listen --location-trusted sends -H headers and --token to every origin", "[listen][concurrency]") {
  FixtureServer first;
  FixtureServer second;
  first.add(redirect_to(second.url(), 307));
  second.add(FixtureResponse::stream({{0ms, "data: there\n\n"}}));
  auto process = listen(with_credentials({"--location-trusted", "--no-reconnect", first.url()}));
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "there\n");
  REQUIRE(second.requests().size() == 1);
  check_credentials(first.requests()[0], true);
  check_credentials(second.requests()[0], true);
}

TEST_CASE("listen keeps the headers on a redirect within the origin, and after coming back to it",
          "[listen][concurrency]") {
  FixtureServer first;
  FixtureServer second;
  first.add(redirect_to("/moved"));                        // relative: same origin
  first.add(redirect_to(second.url("/bounce")));           // away: without the headers
  second.add(redirect_to(first.url("/back")));              // back to the first origin
  first.add(FixtureResponse::stream({{0ms, "data: home\n\n"}}));
  auto process = listen(with_credentials({"--no-reconnect", first.url()}));
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "home\n");
  auto requests = first.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[1].path == "/moved");
  CHECK(requests[2].path == "/back");
  for (const auto& request : requests) check_credentials(request, true);
  REQUIRE(second.requests().size() == 1);
  check_credentials(second.requests()[0], false);
}

TEST_CASE("listen turns POST into GET without the body on 303, and keeps it on 307", "[listen][concurrency]") {
  FixtureServer server;
  int status = GENERATE(303, 307);
  server.add(redirect_to("/next", status));
  server.add(FixtureResponse::stream({{0ms, "data: x\n\n"}}));
  auto process = listen({"-d", "{\"q\":1}", "--no-reconnect", server.url()});
  CHECK(run(*process) == 0);
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "POST");
  CHECK(requests[1].method == (status == 303 ? "GET" : "POST"));
  CHECK(requests[1].body == (status == 303 ? "" : "{\"q\":1}"));
}

TEST_CASE("listen ends a redirect loop after 20 redirects", "[listen][concurrency]") {
  FixtureServer server;
  server.add(redirect_to("/again"));
  auto process = listen({"--no-reconnect", server.url()});
  CHECK(run(*process) == 1);
  CHECK(process->stderr_text() == "ssetool: listen: connection failed: too many redirects (more than 20)\n");
  CHECK(server.requests().size() == 21);
}

TEST_CASE("listen refuses a response head over 64 KiB, reading no more than that", "[listen][concurrency]") {
  testsupport::IgnoreSigpipe ignore_sigpipe;
  // Endless header lines (300 MB once grew the client to 731 MB): stops when the client closes, or at 256 MB.
  RawServer server([](int fd) {
    std::size_t sent = 0;
    if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n")) return sent;
    const std::string line = "X-Filler: " + std::string(100, 'a') + "\r\n";
    std::string block;
    for (int i = 0; i < 100; ++i) block += line;
    while (sent < (256u << 20) && send_all(fd, block)) sent += block.size();
    return sent;
  });
  auto process = listen({server.url()});
  CHECK(run(*process) == 1);
  CHECK(process->stderr_text() ==
        "ssetool: listen: response head too large: the status line and headers from " + server.url() +
            " exceed 64 KiB\n");
  // What the server got into the connection before the client closed it: the 64 KiB and the socket buffers.
  CHECK(server.bytes_written() < (32u << 20));
}

TEST_CASE("listen accepts a response head just under 64 KiB", "[listen][concurrency]") {
  testsupport::IgnoreSigpipe ignore_sigpipe;
  RawServer server([](int fd) {
    std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n";
    for (int i = 0; i < 60; ++i) response += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'b') + "\r\n";
    response += "\r\ndata: fine\n\n";
    return send_all(fd, response) ? response.size() : 0;
  });
  auto process = listen({"--no-reconnect", server.url()});
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "fine\n");
}

TEST_CASE("listen waits at least 100 ms between reconnections, even after retry: 0", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "retry: 0\ndata: x\n\n"}}));  // repeats: every connection ends at once
  auto process = listen({"--timeout", "2s", server.url()});
  CHECK(run(*process) == 124);
  // The floor allows at most 2 s / 100 ms + 1 = 21 connections (without it there were thousands a second).
  std::size_t connections = server.requests().size();
  CHECK(connections >= 2);
  CHECK(connections <= 25);
}

TEST_CASE("listen backs off after failed connection attempts in a row", "[listen][concurrency]") {
  int port = 0;
  {
    FixtureServer closed;
    port = closed.port();
  }
  auto process = listen({"--timeout", "3s", "--retry", "0", "-v", "http://127.0.0.1:" + std::to_string(port) + "/"});
  CHECK(run(*process) == 124);
  // Waits of at least 100, 200, 400, 800 and 1600 ms: at most 6 attempts in 3 s (with a floor only, 30).
  std::string log = process->stderr_text();
  std::size_t attempts = 0;
  for (std::size_t at = log.find("connection refused"); at != std::string::npos; at = log.find("connection refused", at + 1))
    ++attempts;
  CHECK(attempts >= 2);
  CHECK(attempts <= 7);
}
