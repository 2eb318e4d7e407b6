// Unit tests of the serve engine without the binary: a CommandServer built from options on port 0 runs a command
// per stream (its output as events, the request in its environment), writes a POST to a session's stdin endpoint,
// serves the viewer page, refuses other methods on the stream, and stops when asked (with streams on several loops).
#include <catch2/catch.hpp>

#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "ssetool/serve/command_server.hpp"
#include "ignore_sigpipe.hpp"

using namespace ssetool;
using testsupport::IgnoreSigpipe;
using namespace std::chrono_literals;

namespace {

CommandServerOptions options_for(std::vector<std::string> argv) {
  CommandServerOptions o;
  o.server.listen = ListenAddress::parse("127.0.0.1:0");
  o.server.verbosity = Verbosity::quiet;
  o.program = argv.at(0);
  o.argv = std::move(argv);
  o.endpoint.kill_grace = 1s;
  return o;
}

// Runs the server on a thread of its own; stops it and waits at the end of the scope.
struct Running {
  CommandServer& server;
  std::thread thread;
  explicit Running(CommandServer& s) : server(s), thread([this] { server.run(); }) {}
  ~Running() {
    server.stop();
    thread.join();
  }
};

httplib::Client client_of(const CommandServer& server) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(10s);
  return client;
}

}  // namespace

TEST_CASE("command server: each stream runs the command, its output lines are the events", "[serve][command_server][concurrency]") {
  IgnoreSigpipe sigpipe;
  CommandServer server(options_for({"/bin/sh", "-c", "echo hello; echo \"$REQUEST_METHOD $QUERY_STRING\""}));
  server.start();
  Running running(server);
  auto client = client_of(server);

  auto stream = client.Get("/events?x=1");
  REQUIRE(stream);
  CHECK(stream->status == 200);
  CHECK(stream->body.find("data: hello\n\n") != std::string::npos);
  CHECK(stream->body.find("data: GET x=1\n\n") != std::string::npos);

  auto post = client.Post("/events", "", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->get_header_value("Allow") == "GET");

  auto page = client.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
}

TEST_CASE("command server: a POST to the session's stdin endpoint reaches the command", "[serve][command_server][concurrency]") {
  IgnoreSigpipe sigpipe;
  CommandServerOptions options = options_for({"/bin/cat"});
  options.stdin_endpoint = true;
  CommandServer server(std::move(options));
  server.start();
  Running running(server);

  std::string received;
  int posted = 0;
  auto client = client_of(server);
  auto poster = client_of(server);
  client.Get("/events", [&](const char* data, std::size_t size) {
    received.append(data, size);
    auto at = received.find("event: endpoint\ndata: ");
    if (posted == 0 && at != std::string::npos && received.find("\n\n", at) != std::string::npos) {
      std::size_t start = at + std::string_view("event: endpoint\ndata: ").size();
      std::string endpoint = received.substr(start, received.find('\n', start) - start);
      auto r = poster.Post(endpoint, "round trip", "text/plain");
      posted = r ? r->status : -1;
    }
    return received.find("data: round trip\n\n") == std::string::npos;  // false: got it, cancel the stream
  });
  CHECK(posted == 202);
  CHECK(received.find("data: round trip\n\n") != std::string::npos);
}

TEST_CASE("command server: with 3 stream loops each stream gets its own command, stop() ends every loop's",
          "[serve][command_server][concurrency]") {
  IgnoreSigpipe sigpipe;
  CommandServerOptions options = options_for({"/bin/sh", "-c", "echo \"$QUERY_STRING\"; exec cat"});
  options.server.stream_loops = 3;
  options.endpoint.exit_event = "done";
  CommandServer server(std::move(options));
  server.start();
  std::thread runner([&] { server.run(); });

  constexpr int kStreams = 6;
  std::mutex mutex;
  std::condition_variable changed;
  int greeted = 0;
  std::vector<std::string> bodies(kStreams);
  std::vector<char> completed(kStreams, 0);  // not vector<bool>: each thread writes its own element
  std::vector<std::thread> clients;
  for (int k = 0; k < kStreams; ++k)
    clients.emplace_back([&, k] {
      auto client = client_of(server);
      std::string mine = "data: s" + std::to_string(k) + "\n\n";
      bool counted = false;
      auto result = client.Get("/events?s" + std::to_string(k), [&](const char* data, std::size_t size) {
        bodies[k].append(data, size);
        if (!counted && bodies[k].find(mine) != std::string::npos) {
          counted = true;
          std::lock_guard lock(mutex);
          ++greeted;
          changed.notify_all();
        }
        return true;  // read until the server ends the stream
      });
      completed[k] = static_cast<bool>(result);
    });
  bool all_greeted;
  {
    std::unique_lock lock(mutex);
    all_greeted = changed.wait_for(lock, 20s, [&] { return greeted == kStreams; });
  }
  server.stop();  // every loop's commands are stopped; their exit events arrive before the streams end
  for (auto& c : clients) c.join();
  runner.join();
  CHECK(all_greeted);
  for (int k = 0; k < kStreams; ++k) {
    INFO(bodies[k]);
    CHECK(completed[k]);
    CHECK(bodies[k].find("data: s" + std::to_string(k) + "\n\n") != std::string::npos);
    // stop() closes cat's stdin, then sends SIGTERM: it exits 0 or of the signal, either way with its exit event.
    CHECK(bodies[k].find("event: done\ndata: ") != std::string::npos);
  }
}
