// Integration tests of `ssetool replay` (issue 5), part 1: the built binary serving the shipped samples (an
// OpenAI-style and an Anthropic-style stream) to GET and POST, recorded timing under --speed, --loop ids, the
// CI exits (--exit-after, --timeout), bad recordings and usage errors, and the tape round trip through listen.
// Faults are in test_replay_faults.cpp, routes and the journal in test_replay_routes.cpp.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

// Runs `ssetool replay ARGS...` expecting it to stop before serving: its exit status and stderr.
std::pair<std::optional<int>, std::string> run_failing(std::vector<std::string> args) {
  args.insert(args.begin(), {ssetool_binary(), "replay", "--listen", "127.0.0.1:0"});
  Process process(args);
  auto status = process.wait();
  return {status, process.stderr_text()};
}

std::vector<ssetool::ParsedEvent> parse_body(const std::string& body) {
  std::vector<ssetool::ParsedEvent> events;
  ssetool::Parser parser({[&](ssetool::ParsedEvent&& e) { events.push_back(std::move(e)); }, {}, {}});
  parser.feed(body);
  return events;
}

double millis_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

TEST_CASE("replay serves the OpenAI sample to GET at --path, event by event, then ends cleanly", "[replay]") {
  auto server = start_replay({replay_sample("openai-chat.sse")});
  SseClient client(server.port, "/events");
  CHECK(client.status() == 200);
  CHECK(client.header("Content-Type") == "text/event-stream");
  auto events = client.events_until(12);
  REQUIRE(events.size() == 12);
  std::string text;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    auto chunk = nlohmann::json::parse(events[i].data);
    CHECK(chunk["object"] == "chat.completion.chunk");
    text += chunk["choices"][0]["delta"].value("content", "");
  }
  CHECK(text == "Hello! How can I help you today?");
  CHECK(events.back().data == "[DONE]");
  CHECK(client.wait_end());
}

TEST_CASE("replay answers a POST with a JSON body, as LLM SDKs send it", "[replay]") {
  auto server = start_replay({replay_sample("openai-chat.sse"), "--path", "/v1/chat/completions"});
  auto response = http_request(server.port, "POST", "/v1/chat/completions", {{"Content-Type", "application/json"}},
                               R"({"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  CHECK(response.status == 200);
  CHECK(response.header("Content-Type") == "text/event-stream");
  auto events = parse_body(response.body);
  REQUIRE(events.size() == 12);
  CHECK(nlohmann::json::parse(events[0].data)["choices"][0]["delta"]["role"] == "assistant");
  CHECK(events.back().data == "[DONE]");
}

TEST_CASE("replay serves the Anthropic sample with its named events in order", "[replay]") {
  auto server = start_replay({replay_sample("anthropic-messages.sse"), "--interval", "1ms"});
  SseClient client(server.port, "/events");
  auto events = client.events_until(11);
  REQUIRE(events.size() == 11);
  std::vector<std::string> types;
  std::string text;
  for (const auto& e : events) {
    types.push_back(e.type);
    auto body = nlohmann::json::parse(e.data);
    CHECK(body["type"] == e.type);
    if (e.type == "content_block_delta") text += body["delta"]["text"].get<std::string>();
  }
  CHECK(types == std::vector<std::string>{"message_start", "content_block_start", "ping", "content_block_delta",
                                          "content_block_delta", "content_block_delta", "content_block_delta",
                                          "content_block_delta", "content_block_stop", "message_delta",
                                          "message_stop"});
  CHECK(text == "Hello! How can I help you today?");
  CHECK(client.wait_end());
}

TEST_CASE("replay keeps recorded timing: --speed 0 sends at once, --speed 2 still waits half the gap", "[replay]") {
  // ticks.tape: "one" at 0 ms, "two" at 1000 ms, "three" at 1100 ms, the end at 1200 ms.
  SECTION("--speed 0") {
    auto server = start_replay({replay_sample("ticks.tape"), "--speed", "0"});
    auto start = std::chrono::steady_clock::now();
    SseClient client(server.port, "/events");
    auto events = client.events_until(3);
    REQUIRE(events.size() == 3);
    CHECK(client.wait_end());
    CHECK(millis_between(start, std::chrono::steady_clock::now()) < 500);  // half the first recorded gap
  }
  SECTION("--speed 2") {
    auto server = start_replay({replay_sample("ticks.tape"), "--speed", "2"});
    SseClient client(server.port, "/events");
    auto first = client.next_event();
    auto first_at = std::chrono::steady_clock::now();
    auto second = client.next_event();
    auto second_at = std::chrono::steady_clock::now();
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->data == "one");
    CHECK(second->data == "two");
    CHECK(second->type == "tick");
    CHECK(millis_between(first_at, second_at) >= 400);  // 500 ms at speed 2, less what delayed the first
    CHECK(client.header("X-Recorded") == "ticks");       // recorded headers are sent again
  }
}

TEST_CASE("replay --loop starts the recording again with ids that keep increasing", "[replay]") {
  auto server = start_replay({replay_sample("ticks.tape"), "--speed", "0", "--loop"});
  SseClient client(server.port, "/events");
  auto events = client.events_until(8);
  REQUIRE(events.size() == 8);
  std::vector<std::string> ids, data;
  for (const auto& e : events) {
    ids.push_back(e.last_event_id);
    data.push_back(e.data);
  }
  CHECK(ids == std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7", "8"});
  CHECK(data == std::vector<std::string>{"one", "two", "three", "one", "two", "three", "one", "two"});
}

TEST_CASE("replay --exit-after N exits 0 once N requests have completed", "[replay][concurrency]") {
  auto server = start_replay({replay_sample("openai-chat.sse"), "--speed", "0", "--exit-after", "2"});
  CHECK(http_request(server.port, "GET", "/events").status == 200);
  CHECK(server.process->exit_status() == std::nullopt);
  CHECK(http_request(server.port, "GET", "/not-here").status == 404);  // a 404 is a completed request too
  CHECK(server.process->wait() == 0);
}

TEST_CASE("replay --timeout exits 1 when the run is still going then", "[replay]") {
  auto server = start_replay({replay_sample("openai-chat.sse"), "--timeout", "300ms", "--exit-after", "5"});
  CHECK(server.process->wait() == 1);
  CHECK(server.process->stderr_text().find("ssetool: replay: --timeout 300ms passed with 0 request(s) completed of "
                                           "--exit-after 5") != std::string::npos);
}

TEST_CASE("replay refuses a bad recording at start-up with FILE:LINE and exit 2", "[replay]") {
  struct Case {
    std::string file, message;
  };
  std::vector<Case> cases = {
      {"bad/unknown-field.sse", "bad/unknown-field.sse:5: unknown field 'dat'"},
      {"bad/unterminated.sse", "bad/unterminated.sse:3: the last event is not followed by a blank line"},
      {"bad/bad-retry.sse", "bad/bad-retry.sse:3: retry must be a number of milliseconds, not '1s'"},
      {"bad/not-json.tape", "bad/not-json.tape:3: not valid JSON"},
      {"bad/unknown-key.tape", "bad/unknown-key.tape:3: unknown key 'dat' in event line"},
      {"bad/backwards.tape", "bad/backwards.tape:3: 't' goes backwards"},
  };
  for (const auto& c : cases) {
    auto [status, err] = run_failing({replay_sample(c.file)});
    INFO(c.file << ": " << err);
    CHECK(status == 2);
    CHECK(err.starts_with("ssetool: replay: " + replay_sample(c.message)));
  }
}

// Issue 12: a number like 1e999 escaped as an uncaught library error (exit 1, no FILE:LINE).
TEST_CASE("replay refuses a tape or routes file the JSON library throws on, with FILE:LINE and exit 2", "[replay]") {
  TempDir dir;
  std::string ok = "{\"data\":\"ok\"}\n";
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  struct Case {
    std::string file, text, message;
  };
  std::vector<Case> cases = {
      {"overflow.tape", ok + "{\"t\":1e999,\"data\":\"x\"}\n", ":2: not valid JSON: number overflow parsing '1e999'"},
      {"utf8.tape", ok + ok + "{\"data\":\"\xff\"}\n", ":3: not valid JSON: "},
      {"deep.tape", "{\"data\":\"x\",\"comment\":" + deep + "}\n",
       ":1: not valid JSON: arrays and objects nested deeper than 512 levels"},
      {"overflow.json", "[\n {\"status\": 200,\n  \"jitter\": 1e999}\n]\n",
       ":3: not valid JSON: number overflow parsing '1e999'"},
      {"deep.json", "[\n {\"status\": 200,\n  \"body\": " + deep + "}\n]\n",
       ":3: not valid JSON: arrays and objects nested deeper than 512 levels"},
  };
  for (const auto& c : cases) {
    std::string path = dir.write(c.file, c.text);
    bool routes = c.file.ends_with(".json");
    std::vector<std::string> args = routes ? std::vector<std::string>{"--routes", path} : std::vector<std::string>{path};
    auto [status, err] = run_failing(args);
    INFO(c.file << ": " << err);
    CHECK(status == 2);
    CHECK(err.starts_with("ssetool: replay: " + path + c.message));
  }
}

TEST_CASE("replay usage errors exit 2 with the flag named", "[replay]") {
  auto check = [](std::vector<std::string> args, const std::string& message) {
    auto [status, err] = run_failing(std::move(args));
    INFO(err);
    CHECK(status == 2);
    CHECK(err.find(message) != std::string::npos);
  };
  check({}, "ssetool: replay: nothing to replay: give a FILE, --route PATH=FILE, --routes FILE or --preset NAME");
  check({replay_sample("ticks.tape"), "--speed", "-1"}, "--speed -1: must be a number >= 0");
  check({replay_sample("ticks.tape"), "--chunking", "words"}, "--chunking 'words': expected event, line, byte or random");
  check({replay_sample("ticks.tape"), "--interval", "10"}, "--interval: ");
  check({replay_sample("ticks.tape"), "--fail-status", "42"}, "--fail-status 42: must be an HTTP status from 100 to 599");
  check({"-r", "events=x.sse"}, "--route 'events=x.sse': expected PATH=FILE or 'METHOD PATH=FILE'");
  check({"/nonexistent/file.sse"}, "ssetool: replay: /nonexistent/file.sse: cannot read: ");
  check({replay_sample("ticks.tape"), "--exit-after", "0"}, "--exit-after 0: must be at least 1");
  check({replay_sample("ticks.tape"), "--journal", "/nonexistent/dir/j.ndjson"}, "--journal /nonexistent/dir/j.ndjson: ");
  check({replay_sample("ticks.tape"), "--redact", "X-Key"}, "--redact: applies to --journal, which is not given");
  check({replay_sample("ticks.tape"), "--journal", "/dev/null", "--redact", "X Key"}, "--redact 'X Key': not a header name");
}

TEST_CASE("replay applies the shared server flags: -H, --retry, --token, /healthz", "[replay][concurrency]") {
  auto server = start_replay({replay_sample("ticks.tape"), "--speed", "0", "-H", "X-Mock: yes", "--retry", "250ms",
                              "--token", "secret"});
  CHECK(http_request(server.port, "GET", "/healthz").status == 200);
  CHECK(http_request(server.port, "GET", "/events").status == 401);
  SseClient client(server.port, "/events", {{"Authorization", "Bearer secret"}});
  CHECK(client.status() == 200);
  CHECK(client.header("X-Mock") == "yes");
  CHECK(client.events_until(3).size() == 3);
  CHECK(client.retry() == 250u);
}

TEST_CASE("a tape recorded by listen replays to the same events, and with --record-bytes to the same bytes",
          "[replay][tape][concurrency]") {
  TempDir dir;
  auto source = start_replay({replay_sample("anthropic-messages.sse"), "--interval", "5ms"});
  std::string url = "http://127.0.0.1:" + std::to_string(source.port) + "/events";
  auto listen = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {ssetool_binary(), "listen", "--no-reconnect"});
    auto process = std::make_unique<Process>(args);
    REQUIRE(process->wait() == 0);
    return process->stdout_text();
  };
  std::string original = listen({"-o", "json", "--record", dir.file("run.tape"), "--record-bytes", url});
  std::string original_raw = listen({"-o", "raw", url});

  auto replayed = start_replay({dir.file("run.tape"), "--speed", "0"});
  std::string replay_url = "http://127.0.0.1:" + std::to_string(replayed.port) + "/events";
  CHECK(listen({"-o", "json", replay_url}) == original);
  CHECK(listen({"-o", "raw", replay_url}) == original_raw);
  CHECK(std::count(original.begin(), original.end(), '\n') == 11);
}
