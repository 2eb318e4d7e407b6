// Integration tests of listen's checks for scripts (issue 18, items 7-10): --jq, --schema and --fail-fast,
// --expect with its exit codes (0 met, 1 failed, 2 usage, 124 timed out), --resume-file and -o ndjson. The built
// binary against a real `ssetool pipe -f sse` on port 0, over loopback.
#include <catch2/catch.hpp>

#include <csignal>
#include <nlohmann/json.hpp>

#include "ssetool/client/ndjson_line.hpp"
#include "testsupport.hpp"

using namespace std::chrono_literals;
using testsupport::Process;
using testsupport::SsetoolProcess;
using testsupport::start_ssetool;
using testsupport::TempDir;

namespace {

const std::string kEvents =
    "id: 1\ndata: {\"n\": 1, \"text\": \"one\"}\n\n"
    "id: 2\ndata: [DONE]\n\n"
    "id: 3\nevent: done\ndata: {\"n\": \"three\"}\n\n";

// A pipe that already read `input` and keeps its streams open: a client gets every event, then waits.
SsetoolProcess open_stream(const std::string& input) {
  return start_ssetool({"pipe", "-f", "sse", "-q"}, {.stdin_text = input, .close_stdin = true});
}

// A pipe whose input the test writes once a client is connected; closing the input ends the streams.
SsetoolProcess closing_stream() { return start_ssetool({"pipe", "-f", "sse", "--on-eof", "close"}); }

// Waits until `n` clients have connected to `server`, then writes `input` (and closes it when `close`).
void feed(SsetoolProcess& server, std::size_t n, const std::string& input, bool close = true) {
  auto connected = [n](const std::string& log) {
    std::size_t count = 0;
    for (std::size_t at = log.find(": connected"); at != std::string::npos; at = log.find(": connected", at + 1))
      ++count;
    return count >= n;
  };
  REQUIRE(server.process->wait_for_stderr(connected));
  REQUIRE(server.process->write_stdin(input));
  if (close) server.process->close_stdin();
}

std::string url(const SsetoolProcess& server) { return "http://127.0.0.1:" + std::to_string(server.port) + "/events"; }

std::unique_ptr<Process> listen(std::vector<std::string> args) {
  args.insert(args.begin(), "listen");
  return std::move(start_ssetool(args, {.listen = false}).process);
}

std::optional<int> run(Process& process) { return process.wait(testsupport::kDefaultTimeout); }

const char* kSchema = R"({"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}})";

}  // namespace

TEST_CASE("listen --jq prints the filter's output and reports data that is not JSON", "[listen][checks]") {
  auto server = closing_stream();
  auto process = listen({"--jq", ".text // .n", "--no-reconnect", url(server)});
  feed(server, 1, kEvents);
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "one\nthree\n");
  CHECK_THAT(process->stderr_text(),
             Catch::Matchers::StartsWith("ssetool: listen: event 2 (id 2): --jq: data is not JSON ("));
}

TEST_CASE("listen --jq that does not compile, or with -o raw, is a usage error", "[listen][checks]") {
  auto bad = listen({"--jq", ".foo[", "http://127.0.0.1:9/"});
  CHECK(run(*bad) == 2);
  CHECK_THAT(bad->stderr_text(), Catch::Matchers::StartsWith("ssetool: listen: --jq '.foo[': syntax error"));
  auto raw = listen({"--jq", ".", "-o", "raw", "http://127.0.0.1:9/"});
  CHECK(run(*raw) == 2);
  CHECK_THAT(raw->stderr_text(), Catch::Matchers::Contains("--jq works with -o data, json or ndjson, not raw"));
}

TEST_CASE("listen --schema reports a failing event with where and why, and exits 1", "[listen][checks]") {
  TempDir dir;
  std::string schema = dir.write("event.schema.json", kSchema);
  auto server = closing_stream();
  auto process = listen({"--schema", schema, "-o", "json", "--no-reconnect", url(server)});
  feed(server, 1, kEvents);
  CHECK(run(*process) == 1);
  CHECK(process->stdout_text() == "{\"event\":\"message\",\"data\":\"{\\\"n\\\": 1, \\\"text\\\": \\\"one\\\"}\",\"id\":\"1\"}\n");
  std::string log = process->stderr_text();
  CHECK_THAT(log, Catch::Matchers::Contains("ssetool: listen: event 2 (id 2): --schema: data is not JSON\n"));
  CHECK_THAT(log, Catch::Matchers::Contains(
                      "ssetool: listen: event 3 (id 3): --schema: /n: Value type not permitted by 'type' constraint.\n"));
  CHECK_THAT(log, Catch::Matchers::EndsWith("ssetool: listen: 2 event(s) failed --schema\n"));
}

TEST_CASE("listen --schema --fail-fast exits 1 at the first failing event", "[listen][checks]") {
  TempDir dir;
  std::string schema = dir.write("event.schema.json", kSchema);
  auto server = open_stream(kEvents);  // the stream stays open: only --fail-fast ends the run
  auto process = listen({"--schema", schema, "--fail-fast", url(server)});
  CHECK(run(*process) == 1);
  CHECK(process->stdout_text() == "{\"n\": 1, \"text\": \"one\"}\n");
  CHECK_THAT(process->stderr_text(), Catch::Matchers::EndsWith(
                                         "event 2 (id 2): --schema: data is not JSON\n"
                                         "ssetool: listen: --fail-fast: an event failed --schema\n"));
}

TEST_CASE("listen --schema with a bad or missing file is a usage error naming the file", "[listen][checks]") {
  TempDir dir;
  std::string bad = dir.write("bad.json", R"({"type": "integr"})");
  auto process = listen({"--schema", bad, "http://127.0.0.1:9/"});
  CHECK(run(*process) == 2);
  CHECK_THAT(process->stderr_text(), Catch::Matchers::Contains("listen: --schema " + bad + ": not a valid JSON Schema"));
  auto missing = listen({"--schema", dir.file("none.json"), "http://127.0.0.1:9/"});
  CHECK(run(*missing) == 2);
  CHECK_THAT(missing->stderr_text(), Catch::Matchers::Contains(dir.file("none.json") + ": cannot read"));
  auto alone = listen({"--fail-fast", "http://127.0.0.1:9/"});
  CHECK(run(*alone) == 2);
  CHECK_THAT(alone->stderr_text(), Catch::Matchers::Contains("--fail-fast requires --schema"));
}

TEST_CASE("listen --expect exits 0 as soon as every expectation is met", "[listen][checks]") {
  auto server = open_stream(kEvents);  // stays open: the expectations end the run
  auto process = listen({"--expect", "count>=3", "--expect", "event=done", "--expect", "data~DONE", url(server)});
  CHECK(run(*process) == 0);
  CHECK(process->stdout_text() == "{\"n\": 1, \"text\": \"one\"}\n[DONE]\n{\"n\": \"three\"}\n");
  CHECK(process->stderr_text() == "");
}

TEST_CASE("listen --expect exits 1 when the stream ends without it", "[listen][checks]") {
  auto server = closing_stream();
  auto process = listen({"--expect", "count>=4", url(server)});  // no --no-reconnect: --expect ends with the stream
  feed(server, 1, kEvents);
  CHECK(run(*process) == 1);
  CHECK(process->stderr_text() == "ssetool: listen: --expect 'count>=4': 3 events\n");
}

TEST_CASE("listen --expect '!event=T' fails at once on such an event", "[listen][checks]") {
  auto server = open_stream(kEvents);
  auto process = listen({"--expect", "!event=done", "--jq", ".n", url(server)});
  CHECK(run(*process) == 1);
  CHECK(process->stdout_text() == "1\nthree\n");
  CHECK_THAT(process->stderr_text(), Catch::Matchers::EndsWith("--expect '!event=done': 1 such events\n"));
}

TEST_CASE("listen --expect exits 124 on --timeout when not met, 0 when met by then", "[listen][checks][concurrency]") {
  auto server = open_stream(kEvents);
  auto unmet = listen({"--expect", "event=never", "--timeout", "300ms", url(server)});
  CHECK(run(*unmet) == 124);
  auto met = listen({"--expect", "!event=error", "--expect", "count<=3", "--timeout", "300ms", url(server)});
  CHECK(run(*met) == 0);
  CHECK(met->stdout_text() == "{\"n\": 1, \"text\": \"one\"}\n[DONE]\n{\"n\": \"three\"}\n");
}

TEST_CASE("listen --expect exits 1 after --max-failures attempts without a stream", "[listen][checks]") {
  auto server = open_stream("");
  std::string gone = url(server);
  server.process->signal(SIGTERM);
  REQUIRE(server.process->wait().has_value());
  auto process = listen({"--expect", "count>=1", "--max-failures", "2", "--retry", "10ms", "-q", gone});
  CHECK(run(*process) == 1);
  CHECK_THAT(process->stderr_text(), Catch::Matchers::Contains("connection refused"));
}

TEST_CASE("listen --expect with a bad expression is a usage error", "[listen][checks]") {
  auto process = listen({"--expect", "count>=3", "--expect", "kind=done", "http://127.0.0.1:9/"});
  CHECK(run(*process) == 2);
  CHECK_THAT(process->stderr_text(), Catch::Matchers::StartsWith("ssetool: listen: --expect 'kind=done': expected "));
}

TEST_CASE("listen --resume-file keeps the last id across runs", "[listen][checks]") {
  TempDir dir;
  std::string id_file = dir.file("stream.id");
  auto server = closing_stream();
  auto first = listen({"--resume-file", id_file, "-n", "2", url(server)});
  feed(server, 1, "data: a\n\ndata: b\n\n", false);
  CHECK(run(*first) == 0);
  CHECK(first->stdout_text() == "a\nb\n");
  CHECK(dir.read("stream.id") == "2\n");
  // The next run resumes after id 2: the pipe's history has nothing newer until c and d come.
  auto second = listen({"--resume-file", id_file, "-n", "2", url(server)});
  feed(server, 2, "data: c\n\ndata: d\n\n", false);
  CHECK(run(*second) == 0);
  CHECK(second->stdout_text() == "c\nd\n");
  CHECK(dir.read("stream.id") == "4\n");
  auto both = listen({"--resume-file", id_file, "--last-event-id", "1", url(server)});
  CHECK(run(*both) == 2);
}

TEST_CASE("listen -o ndjson writes lines no JSON Lines reader breaks, with the receive time", "[listen][checks]") {
  auto server = open_stream("event: t\ndata: a\xE2\x80\xA8z\xE2\x80\xA9\n\n");
  auto before = std::chrono::system_clock::now();
  auto process = listen({"-o", "ndjson", "-n", "1", url(server)});
  CHECK(run(*process) == 0);
  std::string out = process->stdout_text();
  CHECK(out.find("\xE2\x80\xA8") == std::string::npos);
  CHECK_THAT(out, Catch::Matchers::EndsWith(R"("event":"t","data":"a\u2028z\u2029","id":"1"})" "\n"));
  auto line = nlohmann::json::parse(out);
  std::string time = line["time"];
  std::string earliest = ssetool::utc_millis(before);
  CHECK(time.size() == 24);
  CHECK(time >= earliest);
}
