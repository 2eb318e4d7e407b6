// Tests of the library's Listener (lib/include/ssetool/client/listener.hpp) used directly, against the scripted
// FixtureServer, with the output collected in a string: the four output forms, the stop conditions (-n, --until,
// a closed output) and recording. `ssetool listen` covers the same end to end (test_listen.cpp).
#include <catch2/catch.hpp>

#include "ssetool/client/listener.hpp"
#include "ssetool/wire/tape.hpp"
#include "testsupport.hpp"

using namespace std::chrono_literals;
using testsupport::FixtureResponse;
using testsupport::FixtureServer;
using ssetool::ListenFormat;
using Reason = ssetool::ClientResult::Reason;

namespace {

const std::string kStream = ":hb\n\nevent: greeting\nid: 1\ndata: hello\n\nretry: 50\n\ndata: two\ndata: lines\n\n";

struct Run {
  ssetool::ListenResult result;
  std::string output;
};

// Listens to one response of `stream` (ending cleanly, without reconnection) with these options.
Run listen_once(const std::string& stream, ssetool::ListenOptions options) {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, stream}}));
  Run run;
  ssetool::Listener listener({.url = server.url(), .reconnect = false}, std::move(options),
                             [&](std::string_view bytes) {
                               run.output += bytes;
                               return true;
                             });
  run.result = listener.run();
  return run;
}

}  // namespace

TEST_CASE("Listener writes each event in the chosen form", "[client][listen][concurrency]") {
  Run data = listen_once(kStream, {.format = ListenFormat::data});
  CHECK(data.output == "hello\ntwo\nlines\n");
  CHECK(data.result.client.reason == Reason::ended);
  CHECK_FALSE(data.result.done);
  CHECK_FALSE(data.result.output_closed);
  CHECK(listen_once(kStream, {.format = ListenFormat::json}).output ==
        "{\"event\":\"greeting\",\"data\":\"hello\",\"id\":\"1\"}\n"
        "{\"event\":\"message\",\"data\":\"two\\nlines\",\"id\":\"1\"}\n");
  CHECK(listen_once(kStream, {.format = ListenFormat::raw}).output == kStream);
  CHECK(listen_once(kStream, {.format = ListenFormat::sse}).output ==
        ": hb\n\nevent: greeting\nid: 1\ndata: hello\n\nretry: 50\n\ndata: two\ndata: lines\n\n");
}

TEST_CASE("Listener stops after N events, or after an event of a type", "[client][listen][concurrency]") {
  Run first = listen_once(kStream, {.max_events = 1});
  CHECK(first.output == "hello\n");
  CHECK(first.result.done);
  CHECK(first.result.client.reason == Reason::stopped);
  Run until = listen_once("data: a\n\nevent: stop\ndata: b\n\ndata: c\n\n", {.until = "stop"});
  CHECK(until.output == "a\nb\n");
  CHECK(until.result.done);
}

TEST_CASE("Listener stops quietly when the output's reader is gone", "[client][listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: a\n\ndata: b\n\n"}}, FixtureResponse::Ending::hold));
  int writes = 0;
  ssetool::Listener listener({.url = server.url()}, {}, [&](std::string_view) { return ++writes < 1; });
  ssetool::ListenResult result = listener.run();
  CHECK(writes == 1);
  CHECK(result.output_closed);
  CHECK_FALSE(result.done);
  CHECK(result.client.reason == Reason::stopped);
}

TEST_CASE("Listener records to a tape: the stream, then a rejected response", "[client][listen][concurrency]") {
  testsupport::TempDir dir;
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "id: 1\ndata: a\n\n"}}));
  server.add(FixtureResponse::plain(403, "text/plain", "go away"));
  std::string output;
  {
    ssetool::TapeWriter tape(dir.file("t.tape"));
    ssetool::Listener listener({.url = server.url(), .retry = 10ms}, {.tape = &tape}, [&](std::string_view bytes) {
      output += bytes;
      return true;
    });
    ssetool::ListenResult result = listener.run();
    CHECK(result.client.reason == Reason::rejected);
    CHECK(result.client.body_start == "go away");
  }
  CHECK(output == "a\n");
  ssetool::Tape tape = ssetool::read_tape(dir.file("t.tape"));
  REQUIRE(tape.responses.size() == 2);
  REQUIRE(tape.responses[0].items.size() == 1);
  CHECK(tape.responses[0].items[0].event.data == "a");
  CHECK(tape.responses[0].end == ssetool::TapeEnd::complete);
  CHECK(tape.responses[1].header.status == 403);
  CHECK(tape.responses[1].header.last_event_id == "1");
  REQUIRE(tape.responses[1].items.size() == 1);
  CHECK(tape.responses[1].items[0].bytes == "go away");
  CHECK(tape.responses[1].end == ssetool::TapeEnd::complete);
}
