// Integration tests of `ssetool listen` (issue 7): the built binary against the scripted FixtureServer
// (tests/support), over loopback. Output modes, reconnection with Last-Event-ID, the server's retry, 204, bad
// statuses and content types, stop conditions, recording, request options, signals, a closed stdout and https.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ssetool/wire/tape.hpp"
#include "testsupport.hpp"

using namespace std::chrono_literals;
using testsupport::FixtureResponse;
using testsupport::FixtureServer;
using testsupport::Process;
using Ending = FixtureResponse::Ending;

namespace {

// Starts `ssetool listen ARGS...` (the URL is one of the args).
std::unique_ptr<Process> listen(std::vector<std::string> args) {
  args.insert(args.begin(), "listen");
  return std::move(testsupport::start_ssetool(args, {.listen = false}).process);
}

// Runs listen to its end: the exit status (nullopt when it did not end in time).
std::optional<int> run(Process& process) { return process.wait(testsupport::kDefaultTimeout); }

const std::string kThreeEvents =
    ": welcome\n\n"
    "id: 1\nevent: greeting\ndata: hello\n\n"
    "data: two\ndata: lines\n\n"
    "id: 3\ndata: third\n\n";

}  // namespace

TEST_CASE("listen -o data prints each event's data and a newline", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, kThreeEvents}}));
  auto process = listen({"--no-reconnect", server.url()});
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "hello\ntwo\nlines\nthird\n");
  CHECK(process->stderr_text() == "");
}

TEST_CASE("listen -o json prints one object per event with the id in force", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, kThreeEvents + "retry: 2500\ndata: r\n\n"}}));
  auto process = listen({"-o", "json", "--no-reconnect", server.url()});
  REQUIRE(run(*process) == 0);
  CHECK(process->stdout_text() ==
        "{\"event\":\"greeting\",\"data\":\"hello\",\"id\":\"1\"}\n"
        "{\"event\":\"message\",\"data\":\"two\\nlines\",\"id\":\"1\"}\n"
        "{\"event\":\"message\",\"data\":\"third\",\"id\":\"3\"}\n"
        "{\"event\":\"message\",\"data\":\"r\",\"id\":\"3\",\"retry\":2500}\n");
}

TEST_CASE("listen -o raw prints the bytes exactly as received", "[listen][concurrency]") {
  FixtureServer server;
  std::string first = ":hb\r\n\r\ndata: a\r\n";
  std::string second = "\r\ndata: \xff\n\n";  // invalid UTF-8 passes through untouched
  server.add(FixtureResponse::stream({{0ms, first}, {5ms, second}}));
  auto process = listen({"-o", "raw", "--no-reconnect", server.url()});
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == first + second);
}

TEST_CASE("listen -o sse prints a normalized stream, comments and lone ids included", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, ":hb\n\nevent:  x\ndata:a\r\nid:7\nretry:100\n\nid: 8\n\ndata: b\n\n"}}));
  auto process = listen({"-o", "sse", "--no-reconnect", server.url()});
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() ==
        ": hb\n\n"
        "event:  x\nid: 7\nretry: 100\ndata: a\n\n"
        "id: 8\n\n"
        "data: b\n\n");
}

TEST_CASE("listen reconnects after a dropped stream and sends Last-Event-ID", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "id: 1\ndata: a\n\n"}, {0ms, "id: 2\ndata: cut"}}, Ending::drop));
  server.add(FixtureResponse::stream({{0ms, "id: 2\ndata: b\n\n"}}));
  auto process = listen({"--retry", "20ms", "--max-reconnects", "1", "-v", server.url()});
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "a\nb\n");
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK_FALSE(requests[0].header("Last-Event-ID"));
  CHECK(requests[1].header("Last-Event-ID") == "1");
  CHECK(requests[0].header("Accept") == "text/event-stream");
  // -v tells the story on stderr.
  std::string log = process->stderr_text();
  CHECK_THAT(log, Catch::Contains("connecting: GET " + server.url()));
  CHECK_THAT(log, Catch::Contains("HTTP 200"));
  CHECK_THAT(log, Catch::Contains("stream dropped"));
  CHECK_THAT(log, Catch::Contains("with Last-Event-ID: 1"));
}

TEST_CASE("listen waits the reconnection time the server sent", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "retry: 300\ndata: a\n\n"}}));
  server.add(FixtureResponse::stream({{0ms, "data: b\n\n"}}));
  // --retry 1h: only the server's retry lets the reconnection happen within the test.
  auto process = listen({"--retry", "1h", "--max-reconnects", "1", server.url()});
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "a\nb\n");
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].at - requests[0].at >= 300ms);
}

TEST_CASE("listen stops on 204 with exit 0", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: a\n\n"}}));
  server.add(FixtureResponse::no_body(204));
  auto process = listen({"--retry", "10ms", server.url()});
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "a\n");
  CHECK(server.requests().size() == 2);
  // Both turns are said: the end of the first stream, and the 204.
  std::string err = process->stderr_text();
  CHECK_THAT(err, Catch::StartsWith("ssetool: listen: stream from 127.0.0.1:" + std::to_string(server.port()) +
                                    " ended by the server; reconnecting in "));
  CHECK_THAT(err, Catch::EndsWith("(attempt 2)\nssetool: listen: HTTP 204 No Content: the server asks not to reconnect\n"));
}

TEST_CASE("listen fails on another status, with the status and the body on stderr", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::plain(503, "application/json", "{\"error\":\n\"overloaded\"}"));
  auto process = listen({"--retry", "10ms", server.url()});
  CHECK(run(*process) == 1);
  CHECK(process->stderr_text() == "ssetool: listen: HTTP 503 Service Unavailable: {\"error\": \"overloaded\"}\n");
  CHECK(server.requests().size() == 1);  // not retried
}

TEST_CASE("listen fails on a Content-Type other than text/event-stream", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::plain(200, "text/html", "<html>login</html>"));
  auto process = listen({"--retry", "10ms", server.url()});
  CHECK(run(*process) == 1);
  CHECK_THAT(process->stderr_text(), Catch::Contains("Content-Type 'text/html'"));
  CHECK_THAT(process->stderr_text(), Catch::Contains("<html>login</html>"));
  CHECK(process->stdout_text() == "");
  CHECK(server.requests().size() == 1);
}

TEST_CASE("listen -n stops after N events, even within one read", "[listen][concurrency]") {
  FixtureServer server;
  std::string five = "data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\n";
  server.add(FixtureResponse::stream({{0ms, five}}, Ending::hold));
  SECTION("data") {
    auto process = listen({"-n", "2", server.url()});
    CHECK(run(*process) == 0);
    CHECK(process->stdout_text() == "1\n2\n");
  }
  SECTION("raw output ends with the last counted event") {
    auto process = listen({"-n", "2", "-o", "raw", server.url()});
    CHECK(run(*process) == 0);
    CHECK(process->stdout_text() == "data: 1\n\ndata: 2\n\n");
  }
}

TEST_CASE("listen --until stops after the first event of that type", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream(
      {{0ms, "event: delta\ndata: a\n\nevent: stop\ndata: end\n\ndata: after\n\n"}}, Ending::hold));
  auto process = listen({"--until", "stop", "-o", "json", server.url()});
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() ==
        "{\"event\":\"delta\",\"data\":\"a\",\"id\":\"\"}\n{\"event\":\"stop\",\"data\":\"end\",\"id\":\"\"}\n");
}

TEST_CASE("listen --timeout ends the run with exit 124", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: a\n\n"}}, Ending::hold));
  // Generous: the time also covers starting the binary, which is slow under sanitizers on a busy machine.
  auto process = listen({"--timeout", "2s", server.url()});
  CHECK(run(*process) == 124);
  CHECK(process->stdout_text() == "a\n");
}

TEST_CASE("listen --timeout also ends a run that is waiting to reconnect", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: a\n\n"}}));
  auto process = listen({"--timeout", "2s", "--retry", "1h", "-v", server.url()});
  CHECK(run(*process) == 124);
  CHECK(server.requests().size() == 1);
  CHECK_THAT(process->stderr_text(), Catch::Contains("reconnecting in 3600000 ms"));
}

TEST_CASE("listen --idle-timeout counts a silent stream as dropped", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: a\n\n"}}, Ending::hold));
  auto process = listen({"--idle-timeout", "200ms", "--no-reconnect", server.url()});
  CHECK(run(*process) == 1);
  CHECK(process->stdout_text() == "a\n");
  CHECK(process->stderr_text() == "ssetool: listen: stream from 127.0.0.1:" + std::to_string(server.port()) +
                                      " dropped: connection lost while reading (or read timed out)\n");
}

TEST_CASE("listen --record writes a tape that reads back", "[listen][concurrency]") {
  testsupport::TempDir dir;
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, ": hi\n\nid: 1\ndata: a\n\n"}, {200ms, "retry: 20\n\n"}}, Ending::drop));
  server.add(FixtureResponse::stream({{0ms, "event: e\ndata: b\n\n"}, {0ms, "id\n\n"}}));
  server.add(FixtureResponse::no_body(204));
  std::string tape_path = dir.file("run.tape");
  auto process = listen({"--record", tape_path, "--record-bytes", "--retry", "10ms", server.url()});
  REQUIRE(run(*process) == 0);
  CHECK(process->stdout_text() == "a\nb\n");  // recording changes nothing on stdout

  ssetool::Tape tape = ssetool::read_tape(tape_path);
  REQUIRE(tape.responses.size() == 3);
  const ssetool::TapeResponse& first = tape.responses[0];
  CHECK(first.header.status == 200);
  CHECK(first.header.method == "GET");
  CHECK(first.header.url == server.url());
  CHECK_FALSE(first.header.last_event_id);
  CHECK(testsupport::find_header(first.header.headers, "Content-Type") == "text/event-stream");
  CHECK(first.end == ssetool::TapeEnd::dropped);
  std::vector<ssetool::Event> events;
  std::string bytes;
  for (const ssetool::TapeItem& item : first.items) {
    REQUIRE(item.at);
    if (item.kind == ssetool::TapeItem::Kind::event) events.push_back(item.event);
    else bytes += item.bytes;
  }
  CHECK(bytes == ": hi\n\nid: 1\ndata: a\n\nretry: 20\n\n");
  REQUIRE(events.size() == 3);
  CHECK(events[0].comments == std::vector<std::string>{"hi"});
  CHECK(events[1].data == "a");
  CHECK(events[1].id == "1");
  CHECK(events[2].retry == 20u);
  CHECK_FALSE(events[2].has_data);
  // The retry was sent 200 ms after the first piece; the clock starts when the client has read the headers, so
  // only a generous lower bound is certain.
  CHECK(*first.items.back().at >= 100ms);

  const ssetool::TapeResponse& second = tape.responses[1];
  CHECK(second.header.last_event_id == "1");
  CHECK(second.end == ssetool::TapeEnd::complete);
  std::vector<ssetool::Event> second_events;
  for (const ssetool::TapeItem& item : second.items) {
    if (item.kind == ssetool::TapeItem::Kind::event) second_events.push_back(item.event);
  }
  REQUIRE(second_events.size() == 2);
  CHECK(second_events[0].type == "e");
  CHECK(second_events[1].id == "");  // the lone `id` that reset the last event id
  CHECK(tape.responses[2].header.status == 204);
}

TEST_CASE("listen sends the request options: -X, -d, -d @FILE, -H, --token, --last-event-id",
          "[listen][concurrency]") {
  testsupport::TempDir dir;
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: ok\n\n"}}));
  SECTION("-d DATA posts JSON") {
    auto process = listen({"-d", "{\"q\":1}", "--token", "s3cret", "--no-reconnect", server.url("/chat?x=1")});
    CHECK(run(*process) == 0);
    REQUIRE(server.requests().size() == 1);
    auto request = server.requests()[0];
    CHECK(request.method == "POST");
    CHECK(request.target == "/chat?x=1");
    CHECK(request.body == "{\"q\":1}");
    CHECK(request.header("Content-Type") == "application/json");
    CHECK(request.header("Authorization") == "Bearer s3cret");
  }
  SECTION("-d @FILE with -X and -H") {
    std::string body_file = dir.write("body.txt", "line 1\nline 2\n");
    auto process = listen({"-X", "PUT", "-d", "@" + body_file, "-H", "Content-Type: text/plain", "-H",
                           "X-Trace:  abc", "--last-event-id", "41", "--no-reconnect", server.url()});
    CHECK(run(*process) == 0);
    REQUIRE(server.requests().size() == 1);
    auto request = server.requests()[0];
    CHECK(request.method == "PUT");
    CHECK(request.body == "line 1\nline 2\n");
    CHECK(request.header("Content-Type") == "text/plain");
    CHECK(request.header("X-Trace") == "abc");
    CHECK(request.header("Last-Event-ID") == "41");
  }
  SECTION("-d '' posts an empty body; -H Authorization wins over --token") {
    auto process = listen({"-d", "", "-H", "authorization: Basic eDp5", "--token", "t", "--no-reconnect", server.url()});
    CHECK(run(*process) == 0);
    REQUIRE(server.requests().size() == 1);
    auto request = server.requests()[0];
    CHECK(request.method == "POST");
    CHECK(request.body == "");
    CHECK(request.header("Authorization") == "Basic eDp5");
    std::size_t authorizations = 0;
    for (const auto& [name, value] : request.headers) authorizations += name == "Authorization" || name == "authorization";
    CHECK(authorizations == 1);
  }
}

TEST_CASE("listen exits 130 on SIGINT and 143 on SIGTERM, after what it received", "[listen][concurrency]") {
  testsupport::TempDir dir;
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: a\n\n"}}, Ending::hold));
  auto [signal_number, code] = GENERATE(std::pair{SIGINT, 130}, std::pair{SIGTERM, 143});
  auto process = listen({"--record", dir.file("t.tape"), server.url()});
  REQUIRE(process->wait_for_stdout("a\n"));
  process->signal(signal_number);
  CHECK(run(*process) == code);
  CHECK(process->stdout_text() == "a\n");
  ssetool::Tape tape = ssetool::read_tape(dir.file("t.tape"));
  REQUIRE(tape.responses.size() == 1);
  CHECK(tape.responses[0].end == ssetool::TapeEnd::stopped);
}

TEST_CASE("listen ends quietly when stdout is closed", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: 1\n\n"}}, Ending::hold));
  server.add(FixtureResponse::stream({{0ms, "data: 2\n\n"}}, Ending::hold));
  auto process = listen({"--retry", "10ms", server.url()});
  REQUIRE(process->wait_for_stdout("1\n"));
  process->close_stdout();
  server.release_held();  // the stream ends; on the next connection, listen's write of "2" fails
  CHECK(run(*process) == 0);
  // Only the notice of the reconnection: nothing about the closed stdout.
  CHECK_THAT(process->stderr_text(),
             Catch::Matches("ssetool: listen: stream from 127\\.0\\.0\\.1:[0-9]+ ended by the server; reconnecting in "
                            "[0-9]+ms \\(attempt 2\\)\n"));
  CHECK(server.requests().size() == 2);
}

TEST_CASE("listen reports a connection failure when it may not retry", "[listen][concurrency]") {
  // A port that was free a moment ago: nothing listens there.
  int port = 0;
  {
    FixtureServer closed;
    port = closed.port();
  }
  const std::string where = "127.0.0.1:" + std::to_string(port);
  auto process = listen({"--max-reconnects", "1", "--retry", "10ms", "http://" + where + "/"});
  CHECK(run(*process) == 1);
  std::string err = process->stderr_text();
  CHECK_THAT(err, Catch::StartsWith("ssetool: listen: connect " + where + ": connection refused; retrying in "));
  CHECK_THAT(err, Catch::EndsWith("ms (attempt 2)\n"
                                  "ssetool: listen: connect " + where + ": connection refused (after 1 reconnection(s))\n"));
}

TEST_CASE("listen --no-reconnect names host, port and reason of a refused connect", "[listen][concurrency]") {
  int port = 0;
  {
    FixtureServer closed;
    port = closed.port();
  }
  auto process = listen({"--no-reconnect", "http://127.0.0.1:" + std::to_string(port) + "/"});
  CHECK(run(*process) == 1);
  CHECK(process->stderr_text() == "ssetool: listen: connect 127.0.0.1:" + std::to_string(port) + ": connection refused\n");
}

TEST_CASE("listen prints each failed attempt at once and gives up after --max-failures, -q keeps the last line",
          "[listen][concurrency]") {
  int port = 0;
  {
    FixtureServer closed;
    port = closed.port();
  }
  const std::string where = "127.0.0.1:" + std::to_string(port);
  const bool quiet = GENERATE(false, true);
  std::vector<std::string> args = {"--retry", "10ms", "--max-failures", "3", "http://" + where + "/"};
  if (quiet) args.insert(args.begin(), "-q");
  auto process = listen(args);
  CHECK(run(*process) == 1);
  std::string err = process->stderr_text();
  const std::string last = "ssetool: listen: connect " + where + ": connection refused; gave up after 3 failed attempts in a row\n";
  if (quiet) {
    CHECK(err == last);
  } else {
    CHECK_THAT(err, Catch::StartsWith("ssetool: listen: connect " + where + ": connection refused; retrying in "));
    CHECK_THAT(err, Catch::Contains("(attempt 2)\nssetool: listen: connect " + where + ": connection refused; retrying in "));
    CHECK_THAT(err, Catch::EndsWith("(attempt 3)\n" + last));
  }
}

TEST_CASE("listen gives up after 10 failed attempts in a row by default", "[listen][concurrency]") {
  // Ten real attempts take a minute or more (the backoff); the Client test covers the mechanism, this the default.
  auto process = listen({"--help"});
  CHECK(run(*process) == 0);
  CHECK_THAT(process->stdout_text(), Catch::Contains("--max-failures N=10 "));
}

TEST_CASE("listen reports a host name that does not exist at once and exits 1", "[listen][concurrency]") {
  // RFC 6761: .invalid never resolves, and is answered without asking the network.
  auto started = std::chrono::steady_clock::now();
  auto process = listen({"http://nonexistent.invalid/x"});
  CHECK(run(*process) == 1);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  CHECK(process->stderr_text() == "ssetool: listen: resolve nonexistent.invalid: name or service not known\n");
}

TEST_CASE("listen rejects bad counts and flags missing the flag they need with one short line", "[listen][concurrency]") {
  auto [args, message] = GENERATE(table<std::vector<std::string>, std::string>({
      {{"-n", "0"}, "--max-events 0: must be at least 1"},
      {{"-n", "-5"}, "--max-events -5: must be a whole number >= 1"},
      {{"-n", "x"}, "--max-events x: must be a whole number >= 1"},
      {{"--max-reconnects", "-1"}, "--max-reconnects -1: must be a whole number >= 0"},
      {{"--max-failures", "-1"}, "--max-failures -1: must be a whole number >= 0"},
      {{"--record-bytes"}, "--record-bytes needs --record FILE"},
      {{"--timeout", "0"}, "--timeout 0: must be more than 0"},
  }));
  args.push_back("http://127.0.0.1:1/");
  auto process = listen(args);
  CHECK(run(*process) == 2);
  CHECK(process->stderr_text() == "ssetool: listen: " + message + "\n");
}

TEST_CASE("listen sends $SSETOOL_TOKEN as a bearer token, and --token overrides it", "[listen][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: x\n\n"}}));
  const bool flag = GENERATE(false, true);
  std::vector<std::string> args = {"listen", "--no-reconnect", server.url()};
  if (flag) args.insert(args.begin() + 1, {"--token", "from-flag"});
  auto process = std::move(testsupport::start_ssetool(args, {.listen = false, .env = {{"SSETOOL_TOKEN", "from-env"}}}).process);
  CHECK(run(*process) == 0);
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].header("Authorization") == (flag ? "Bearer from-flag" : "Bearer from-env"));
}

TEST_CASE("listen usage errors exit 2", "[listen][concurrency]") {
  std::vector<std::string> args = GENERATE(std::vector<std::string>{"--retry", "3", "http://127.0.0.1:1/"},
                                           std::vector<std::string>{"-d", "@/nonexistent/body", "http://127.0.0.1:1/"},
                                           std::vector<std::string>{"-H", "no colon", "http://127.0.0.1:1/"},
                                           std::vector<std::string>{"-o", "xml", "http://127.0.0.1:1/"},
                                           std::vector<std::string>{"ftp://127.0.0.1/"});
  auto process = listen(args);
  CHECK(run(*process) == 2);
  CHECK_THAT(process->stderr_text(), Catch::StartsWith("ssetool: listen: "));
}

TEST_CASE("listen over https: -k accepts a self-signed certificate, without it the run fails",
          "[listen][concurrency]") {
  testsupport::TempDir dir;
  testsupport::Certificate certificate = testsupport::make_self_signed_certificate(dir);
  FixtureServer server(certificate.cert_path, certificate.key_path);
  server.add(FixtureResponse::stream({{0ms, "data: secure\n\n"}}));
  SECTION("-k") {
    auto process = listen({"-k", "--no-reconnect", server.url()});
    CHECK(run(*process) == 0);
    CHECK(process->stdout_text() == "secure\n");
  }
  SECTION("verification on") {
    auto process = listen({"--retry", "10ms", server.url()});
    CHECK(run(*process) == 1);
    // OpenSSL's reason, with host and port, and the way out.
    CHECK(process->stderr_text() == "ssetool: listen: TLS certificate of 127.0.0.1:" + std::to_string(server.port()) +
                                        " does not verify: self-signed certificate (-k accepts it)\n");
    CHECK(process->stdout_text() == "");
  }
}

TEST_CASE("listen names a failed TLS handshake with host and port", "[listen][concurrency]") {
  FixtureServer server;  // plain HTTP: the TLS handshake cannot succeed
  server.add(FixtureResponse::stream({{0ms, "data: x\n\n"}}));
  const std::string where = "127.0.0.1:" + std::to_string(server.port());
  auto process = listen({"--no-reconnect", "https://" + where + "/events"});
  CHECK(run(*process) == 1);
  CHECK(process->stderr_text() == "ssetool: listen: TLS handshake with " + where + " failed\n");
}

TEST_CASE("listen resumes with Last-Event-ID after `ssetool replay --drop-after` cuts it", "[listen][concurrency]") {
  testsupport::TempDir dir;
  std::string recording =
      dir.write("feed.sse", "id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\nid: 4\ndata: d\n\n");
  auto server = testsupport::start_ssetool({"replay", recording, "--drop-after", "2", "--heartbeat", "0"});
  std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/events";
  auto process = listen({"-n", "4", "--retry", "10ms", "-v", url});
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "a\nb\nc\nd\n");
  CHECK_THAT(process->stderr_text(), Catch::Contains("stream dropped"));
  CHECK_THAT(process->stderr_text(), Catch::Contains("with Last-Event-ID: 2"));
}

TEST_CASE("listen over https against `ssetool pipe --tls-cert`: -k reads the stream, without it the run fails",
          "[listen][concurrency]") {
  testsupport::TempDir dir;
  testsupport::Certificate certificate = testsupport::make_self_signed_certificate(dir);
  auto server = testsupport::start_ssetool(
      {"pipe", "--replay-last", "2", "--tls-cert", certificate.cert_path, "--tls-key", certificate.key_path},
      {.stdin_text = "one\ntwo\n"});
  std::string url = "https://127.0.0.1:" + std::to_string(server.port) + "/events";
  SECTION("-k") {
    auto process = listen({"-k", "-n", "2", "-o", "json", url});
    CHECK(run(*process) == 0);
    CHECK(process->stdout_text() ==
          "{\"event\":\"message\",\"data\":\"one\",\"id\":\"1\"}\n{\"event\":\"message\",\"data\":\"two\",\"id\":\"2\"}\n");
  }
  SECTION("verification on") {
    auto process = listen({"--retry", "10ms", url});
    CHECK(run(*process) == 1);
    CHECK_THAT(process->stderr_text(), Catch::Contains("certificate"));
    CHECK(process->stdout_text() == "");
  }
}

TEST_CASE("listen -d POSTs its body to `ssetool replay`, as replay's journal shows", "[listen][concurrency]") {
  testsupport::TempDir dir;
  std::string recording = dir.write("answer.sse", "data: {\"token\":\"Hel\"}\n\ndata: {\"token\":\"lo\"}\n\n");
  std::string journal = dir.file("journal.ndjson");
  auto server = testsupport::start_ssetool(
      {"replay", recording, "--journal", journal, "--exit-after", "1", "--heartbeat", "0"});
  std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/events?session=7";
  auto process = listen({"-d", "{\"prompt\":\"hi\"}", "-H", "X-Trace: t1", "--no-reconnect", url});
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "{\"token\":\"Hel\"}\n{\"token\":\"lo\"}\n");
  REQUIRE(server.process->wait(testsupport::kDefaultTimeout) == 0);

  std::ifstream in(journal);
  std::string line;
  REQUIRE(std::getline(in, line));
  auto entry = nlohmann::json::parse(line);
  CHECK(entry["method"] == "POST");
  CHECK(entry["path"] == "/events");
  CHECK(entry["query"] == nlohmann::json{{"session", "7"}});
  CHECK(entry["body"] == "{\"prompt\":\"hi\"}");
  CHECK(entry["headers"]["content-type"] == "application/json");
  CHECK(entry["headers"]["x-trace"] == "t1");
  CHECK(entry["ended"] == "complete");
  CHECK_FALSE(std::getline(in, line));
}
