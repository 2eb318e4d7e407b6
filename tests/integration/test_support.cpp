// Tests of the test support library itself (tests/support): processes, temporary directories, the scripted
// fixture server, the raw connection and the strict SSE client.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>

#include "testsupport.hpp"

using namespace std::chrono_literals;
using testsupport::FixtureResponse;
using testsupport::Process;

TEST_CASE("Process: stdin to stdout through cat", "[support][concurrency]") {
  Process cat({"cat"});
  REQUIRE(cat.write_stdin("hello\n"));
  CHECK(cat.wait_for_stdout("hello\n"));
  cat.close_stdin();
  CHECK(cat.wait() == 0);
  CHECK(cat.stdout_text() == "hello\n");
}

TEST_CASE("Process: exit status, stderr, environment", "[support][concurrency]") {
  Process sh({"/bin/sh", "-c", "echo \"$GREETING\" >&2; exit 3"}, {.env = {{"GREETING", "hi there"}}});
  CHECK(sh.wait() == 3);
  CHECK(sh.stderr_text() == "hi there\n");
  CHECK(sh.wait_for_stderr([](const std::string& s) { return s.size() == 9; }, 0ms));
}

TEST_CASE("Process: a signal gives 128 + its number, waits are bounded", "[support][concurrency]") {
  Process sleeper({"/bin/sh", "-c", "echo ready; exec sleep 30"});
  REQUIRE(sleeper.wait_for_stdout("ready"));
  CHECK_FALSE(sleeper.wait(50ms).has_value());
  CHECK_FALSE(sleeper.wait_for_stdout("never", 50ms));
  sleeper.signal(SIGTERM);
  CHECK(sleeper.wait() == 128 + SIGTERM);
}

TEST_CASE("Process: a wait for output gives up at the end of the stream", "[support][concurrency]") {
  Process echo({"/bin/sh", "-c", "echo done"});
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(echo.wait_for_stdout("not coming", 20s));
  CHECK(std::chrono::steady_clock::now() - started < 10s);
}

TEST_CASE("Process: closing stdout makes the child's writes fail", "[support][concurrency]") {
  // The shell writes a line every time it reads one; after close_stdout() its echo fails (SIGPIPE kills it).
  Process sh({"/bin/sh", "-c", "while read line; do echo \"$line\" || exit 7; done"});
  REQUIRE(sh.write_stdin("one\n"));
  REQUIRE(sh.wait_for_stdout("one\n"));
  sh.close_stdout();
  sh.write_stdin("two\n");
  CHECK(sh.wait() == 128 + SIGPIPE);
  CHECK(sh.stdout_text() == "one\n");
}

TEST_CASE("Process: a program that does not exist", "[support]") {
  CHECK_THROWS_AS(Process({"/nonexistent/program"}), std::runtime_error);
}

TEST_CASE("TempDir: created, written, removed", "[support]") {
  std::string path;
  {
    testsupport::TempDir dir;
    path = dir.path();
    CHECK(std::filesystem::is_directory(path));
    dir.write("a.txt", "contents");
    CHECK(dir.read("a.txt") == "contents");
    CHECK(dir.read("missing") == "");
  }
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("SseClient against the fixture server: events, comments, clean end", "[support][concurrency]") {
  testsupport::FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, ": hi\n\nid: 1\ndata: a\n\n"}, {10ms, "data: b\n"}, {0ms, "\n"}}));
  testsupport::SseClient client(server.port(), "/events?x=1", {{"Last-Event-ID", "0"}});
  CHECK(client.status() == 200);
  CHECK(client.header("content-type") == "text/event-stream");
  auto events = client.events_until(2);
  REQUIRE(events.size() == 2);
  CHECK(events[0].data == "a");
  CHECK(events[0].last_event_id == "1");
  CHECK(events[1].data == "b");
  CHECK(client.comments() == std::vector<std::string>{" hi"});
  CHECK(client.wait_end());
  CHECK_FALSE(client.ended_abruptly());
  CHECK_FALSE(client.next_event(10ms));
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].path == "/events");
  CHECK(server.requests()[0].target == "/events?x=1");
  CHECK(server.requests()[0].header("last-event-id") == "0");
}

TEST_CASE("SseClient sees a dropped stream, later requests get the next responses", "[support][concurrency]") {
  testsupport::FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: a\n\n"}, {0ms, "data: unfinished\n"}},
                                     FixtureResponse::Ending::drop));
  server.add(FixtureResponse::plain(503, "text/plain", "busy"));
  {
    testsupport::SseClient client(server.port(), "/events");
    CHECK(client.next_event()->data == "a");
    CHECK_FALSE(client.wait_end());
    CHECK(client.ended_abruptly());
    CHECK_FALSE(client.next_event(10ms));  // the unfinished event is discarded
  }
  for (int i = 0; i < 2; ++i) {  // the last response repeats
    testsupport::HttpResponse response = testsupport::http_request(server.port(), "POST", "/x", {}, "body");
    CHECK(response.status == 503);
    CHECK(response.body == "busy");
  }
  REQUIRE(server.wait_for_requests(3));
  CHECK(server.requests()[2].method == "POST");
  CHECK(server.requests()[2].body == "body");
}

TEST_CASE("FixtureServer holds a stream until released", "[support][concurrency]") {
  testsupport::FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: a\n\n"}}, FixtureResponse::Ending::hold));
  testsupport::SseClient client(server.port(), "/events");
  CHECK(client.next_event()->data == "a");
  CHECK_FALSE(client.wait_end(50ms));
  server.release_held();
  CHECK(client.wait_end());
}

TEST_CASE("RawConnection: exact bytes, deadlines, close", "[support][concurrency]") {
  testsupport::FixtureServer server;
  server.add(FixtureResponse::plain(404, "text/plain", "nothing here"));
  testsupport::RawConnection connection(server.port());
  REQUIRE(connection.send_all("GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  REQUIRE(connection.read_until("\r\n\r\n"));
  CHECK(connection.received().starts_with("HTTP/1.1 404"));
  CHECK(connection.read_to_end());
  CHECK(connection.received().ends_with("nothing here"));
  CHECK(connection.closed_by_peer());
  CHECK(connection.read_some(10ms) == 0);
}

TEST_CASE("start_ssetool reports a server that exits early, with its stderr", "[support][concurrency]") {
  // `ssetool --version` exits at once and never writes a port file.
  CHECK_THROWS_WITH(testsupport::start_ssetool({"--version"}), Catch::Matchers::Contains("before writing its port"));
  auto client = testsupport::start_ssetool({"--version"}, {.listen = false});
  CHECK(client.process->wait() == 0);
  CHECK(client.process->stdout_text().starts_with("ssetool "));
}
