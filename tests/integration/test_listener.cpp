// Tests of the library's Listener (lib/include/ssetool/client/listener.hpp) used directly, against the scripted
// FixtureServer, with the output collected in a string: the output forms, the stop conditions (-n, --until, a
// closed output), recording, and the checks (schema, jq, expectations, resume file) in their order. `ssetool
// listen` covers the same end to end (test_listen.cpp, test_listen_checks.cpp).
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

TEST_CASE("Listener checks in order: id stored, schema, jq, then expectations on what is printed",
          "[client][listen][checks]") {
  testsupport::TempDir dir;
  ssetool::JsonSchema schema = ssetool::JsonSchema::parse(R"({"type": "object", "required": ["n"]})", "s.json");
  ssetool::JqFilter jq(".n, .n * 10");
  ssetool::Expectations expect = ssetool::Expectations::parse({"count>=4", "data=20"});
  ssetool::ResumeFile resume(dir.file("id"));
  std::vector<std::string> problems;
  ssetool::ListenOptions options{.format = ListenFormat::json};
  options.schema = &schema;
  options.jq = &jq;
  options.expect = &expect;
  options.resume = &resume;
  options.on_problem = [&](const std::string& line) { problems.push_back(line); };
  Run run = listen_once("id: a\ndata: {\"n\": 1}\n\nid: b\ndata: {}\n\nid: c\ndata: {\"n\": 2}\n\nid: d\ndata: {\"n\": 3}\n\n",
                        std::move(options));
  CHECK(run.output ==
        "{\"event\":\"message\",\"data\":\"1\",\"id\":\"a\"}\n{\"event\":\"message\",\"data\":\"10\",\"id\":\"a\"}\n"
        "{\"event\":\"message\",\"data\":\"2\",\"id\":\"c\"}\n{\"event\":\"message\",\"data\":\"20\",\"id\":\"c\"}\n");
  CHECK(problems == std::vector<std::string>{"event 2 (id b): --schema: /: Missing required property 'n'."});
  CHECK(run.result.done);  // met for good at event 3: event 4 is not read
  CHECK(run.result.schema_failures == 1);
  CHECK(dir.read("id") == "c\n");
}

TEST_CASE("Listener with fail_fast stops at the first event that fails the schema", "[client][listen][checks]") {
  ssetool::JsonSchema schema = ssetool::JsonSchema::parse(R"({"type": "integer"})", "s.json");
  Run run = listen_once("data: 1\n\ndata: x\n\ndata: 2\n\n", {.schema = &schema, .fail_fast = true});
  CHECK(run.output == "1\n");
  CHECK(run.result.failed_fast);
  CHECK(run.result.client.reason == Reason::stopped);
}
