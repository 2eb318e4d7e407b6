// Unit tests of the replay engine without the binary: a ReplayServer built from options on port 0 and fetched over
// loopback, and the three ways its run ends (exit_after completed requests, the timeout, stop()).
#include <catch2/catch.hpp>

#include <httplib.h>

#include <chrono>
#include <thread>

#include "ssetool/replay/recording_loader.hpp"
#include "ssetool/replay/replay_server.hpp"

using namespace ssetool;
using namespace std::chrono_literals;

namespace {

// One route, GET /events, playing `sse` without delays, on a free loopback port. The timeout bounds every test.
ReplayOptions options_for(const std::string& sse) {
  ReplayOptions o;
  o.server.listen = ListenAddress::parse("127.0.0.1:0");
  o.server.verbosity = Verbosity::quiet;
  Route route;
  route.match.methods = {"GET"};
  route.match.path = "/events";
  route.recording = parse_recording(sse, "test.sse");
  o.routes.push_back(std::move(route));
  o.seed = 1;
  o.timeout = 20s;
  return o;
}

httplib::Client client_of(const ReplayServer& server) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(10s);
  return client;
}

}  // namespace

TEST_CASE("replay server: a route fetched over loopback, exit_after ends the run", "[replay][replay_server][concurrency]") {
  ReplayOptions options = options_for("data: one\n\nid: 7\ndata: two\n\n");
  options.exit_after = 2;
  ReplayServer server(std::move(options));
  server.start();
  CHECK(server.url() == "http://127.0.0.1:" + std::to_string(server.port()) + "/");
  ReplayServer::End end = ReplayServer::End::stopped;
  std::thread runner([&] { end = server.run(); });

  auto client = client_of(server);
  auto stream = client.Get("/events");
  auto missing = client.Get("/nowhere");
  runner.join();

  REQUIRE(stream);
  CHECK(stream->status == 200);
  CHECK(stream->get_header_value("Content-Type") == "text/event-stream");
  CHECK(stream->body.find("data: one\n\n") != std::string::npos);
  CHECK(stream->body.find("id: 7\ndata: two\n\n") != std::string::npos);
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(missing->body.find("no route matches GET /nowhere") != std::string::npos);
  CHECK(end == ReplayServer::End::exit_after);
  CHECK(server.completed() == 2);
}

TEST_CASE("replay server: the timeout ends the run after on_timeout is told the requests completed", "[replay][replay_server]") {
  ReplayOptions options = options_for("data: x\n\n");
  options.timeout = 50ms;
  std::optional<std::uint64_t> told;
  options.on_timeout = [&](std::uint64_t completed) { told = completed; };
  ReplayServer server(std::move(options));
  server.start();
  CHECK(server.run() == ReplayServer::End::timeout);
  CHECK(told == 0u);
}

TEST_CASE("replay server: stop() from another thread ends the run gracefully", "[replay][replay_server][concurrency]") {
  ReplayServer server(options_for("data: x\n\n"));
  server.start();
  ReplayServer::End end = ReplayServer::End::timeout;
  std::thread runner([&] { end = server.run(); });
  auto client = client_of(server);
  auto health = client.Get("/healthz");
  server.stop();
  runner.join();
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(end == ReplayServer::End::stopped);
}
