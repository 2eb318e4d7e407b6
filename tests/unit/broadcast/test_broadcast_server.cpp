// Unit tests of pipe's engine without the binary: a BroadcastServer on port 0 fed from a pipe or a command, read
// over loopback, and the ways its run ends (stop(), a fatal input error, the end of the input).
#include <catch2/catch.hpp>

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "ssetool/base/errors.hpp"
#include "ssetool/broadcast/broadcast_server.hpp"
#include "test_pipe.hpp"

using namespace ssetool;
using namespace std::chrono_literals;

namespace {

BroadcastOptions options_on_port_0() {
  BroadcastOptions o;
  o.server.listen = ListenAddress::parse("127.0.0.1:0");
  o.server.verbosity = Verbosity::quiet;
  o.server.heartbeat = std::chrono::microseconds(0);
  return o;
}

// Reads the event stream until `wanted` occurs in it (or 10 s pass); what was read.
std::string read_until(const BroadcastServer& server, const std::string& wanted) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(10s);
  std::string body;
  client.Get("/events", [&](const char* data, std::size_t size) {
    body.append(data, size);
    return body.find(wanted) == std::string::npos;
  });
  return body;
}

}  // namespace

TEST_CASE("broadcast server: lines from a descriptor reach a client, stop() ends the run",
          "[broadcast][concurrency]") {
  testsupport::Pipe input;
  BroadcastOptions options = options_on_port_0();
  options.input_fd = input.read_end;
  options.replay_last = 10;
  options.at_end = AtEndOfInput::stay;
  BroadcastServer server(std::move(options));
  server.start();
  BroadcastServer::Outcome outcome;
  std::thread runner([&] { outcome = server.run(); });

  input.write("one\ntwo\n");
  ::close(input.take_write());  // end of input: the server stays (AtEndOfInput::stay)
  std::string body = read_until(server, "data: two\n\n");
  server.stop();
  runner.join();

  CHECK(body.find("id: 1\ndata: one\n\n") != std::string::npos);
  CHECK(body.find("id: 2\ndata: two\n\n") != std::string::npos);
  CHECK_FALSE(outcome.input_failed);
  CHECK_FALSE(outcome.command);
}

TEST_CASE("broadcast server: a command's output is the input, and its exit status is the outcome",
          "[broadcast][concurrency]") {
  BroadcastOptions options = options_on_port_0();
  options.command = {"sh", "-c", "echo hello; exit 3"};
  options.replay_last = 1;
  options.at_end = AtEndOfInput::stay;
  options.event_type = "greeting";
  BroadcastServer server(std::move(options));
  server.start();
  BroadcastServer::Outcome outcome;
  std::thread runner([&] { outcome = server.run(); });

  std::string body = read_until(server, "data: hello\n\n");
  server.stop();
  runner.join();

  CHECK(body.find("event: greeting\nid: 1\ndata: hello\n\n") != std::string::npos);
  REQUIRE(outcome.command);
  CHECK(outcome.command->code() == 3);
}

TEST_CASE("broadcast server: a fatal input error is reported and ends the run by itself", "[broadcast][concurrency]") {
  testsupport::Pipe input;
  BroadcastOptions options = options_on_port_0();
  options.input_fd = input.read_end;
  options.format = InputFormat::ndjson;
  options.input.strict = true;
  std::vector<InputError> errors;
  options.on_input_error = [&](const InputError& e) { errors.push_back(e); };
  BroadcastServer server(std::move(options));
  server.start();
  input.write("{\"data\":\"fine\"}\nnot json\n");

  BroadcastServer::Outcome outcome = server.run();

  CHECK(outcome.input_failed);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 2);
  CHECK(errors[0].fatal);
}

TEST_CASE("broadcast server: a command that cannot run is an invalid argument naming it", "[broadcast]") {
  BroadcastOptions options = options_on_port_0();
  options.command = {"/nonexistent/ssetool-test-command"};
  auto build = [&] { BroadcastServer server(options); };
  CHECK_THROWS_AS(build(), InvalidArgument);
  CHECK_THROWS_WITH(build(), Catch::Contains("/nonexistent/ssetool-test-command"));
}
