// Integration tests of `ssetool replay` (issue 5), part 3: routes (-r, --routes with matching on method, path,
// header, query and body, per-route status, body and faults), the unmatched 404 listing, a bad routes file, and
// the --journal a test reads to check what its client sent.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

std::vector<ssetool::ParsedEvent> parse_body(const std::string& body) {
  std::vector<ssetool::ParsedEvent> events;
  ssetool::Parser parser({[&](ssetool::ParsedEvent&& e) { events.push_back(std::move(e)); }, {}, {}});
  parser.feed(body);
  return events;
}

// The type of the first event in a streamed response body ("" when none).
std::string first_type(const HttpResponse& r) {
  auto events = parse_body(r.body);
  return events.empty() ? "" : events[0].type;
}

const Headers kJson = {{"Content-Type", "application/json"}};

// A routes file in the style of an LLM API: streams chosen by the request, errors, a catch-all.
std::string write_routes(const TempDir& dir) {
  Json routes = Json::array({
      {{"name", "anthropic"},
       {"match", {{"method", "POST"}, {"path", "/v1/messages"}, {"headers", {{"x-api-key", "test-key"}}}}},
       {"recording", replay_sample("anthropic-messages.sse")},
       {"speed", 0}},
      {{"name", "openai-mini"},
       {"match", {{"method", "POST"}, {"path", "/v1/chat/completions"}, {"json", {{"/model", "gpt-4o-mini"}}}}},
       {"recording", replay_sample("openai-chat.sse")},
       {"headers", {{"x-request-id", "req-mini"}}}},
      {{"name", "overloaded"},
       {"match", {{"path", "/v1/chat/completions"}, {"body_contains", "\"model\":\"busy\""}}},
       {"status", 529},
       {"body", {{"error", {{"type", "overloaded_error"}}}}}},
      {{"name", "flaky"},
       {"match", {{"path", "/flaky"}, {"query", {{"mode", "drop"}}}}},
       {"recording", "ticks.tape"},
       {"speed", 0},
       {"drop_after", 1}},
  });
  // "ticks.tape" is relative to the routes file: put the file next to the samples' copy.
  std::string text = routes.dump(2);
  std::string path = dir.write("routes.json", text);
  std::ifstream in(replay_sample("ticks.tape"));
  std::stringstream ticks;
  ticks << in.rdbuf();
  dir.write("ticks.tape", ticks.str());
  return path;
}

std::vector<Json> journal_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<Json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(Json::parse(line));
  return lines;
}

}  // namespace

TEST_CASE("replay -r serves a recording per method and path, the rest get 404 with the routes listed",
          "[replay][routes][concurrency]") {
  auto server = start_replay({"--speed", "0", "-r", "POST /v1/chat/completions=" + replay_sample("openai-chat.sse"), "-r",
                              "/v1/messages=" + replay_sample("anthropic-messages.sse")});
  auto chat = http_request(server.port, "POST", "/v1/chat/completions", kJson, R"({"stream":true})");
  CHECK(chat.status == 200);
  CHECK(parse_body(chat.body).back().data == "[DONE]");
  auto messages = http_request(server.port, "GET", "/v1/messages");
  CHECK(first_type(messages) == "message_start");

  auto wrong_method = http_request(server.port, "GET", "/v1/chat/completions");
  CHECK(wrong_method.status == 404);
  CHECK(wrong_method.header("Content-Type")->starts_with("text/plain"));
  CHECK(wrong_method.body == "ssetool replay: no route matches GET /v1/chat/completions\n"
                             "Routes (the most specific match wins, then the first):\n"
                             "  1. POST /v1/chat/completions -> " + replay_sample("openai-chat.sse") + "\n"
                             "  2. GET,POST /v1/messages -> " + replay_sample("anthropic-messages.sse") + "\n");
}

TEST_CASE("replay --routes matches on method, path, header, JSON value, body and query, the most specific match wins",
          "[replay][routes][concurrency]") {
  TempDir dir;
  auto server = start_replay({"--routes", write_routes(dir)});

  auto anthropic = http_request(server.port, "POST", "/v1/messages", {{"x-api-key", "test-key"}}, "{}");
  CHECK(anthropic.status == 200);
  CHECK(first_type(anthropic) == "message_start");
  CHECK(http_request(server.port, "POST", "/v1/messages", {{"x-api-key", "other"}}, "{}").status == 404);

  auto mini = http_request(server.port, "POST", "/v1/chat/completions", kJson,
                           R"({"model": "gpt-4o-mini", "stream": true})");
  CHECK(mini.status == 200);
  CHECK(mini.header("x-request-id") == "req-mini");
  CHECK(parse_body(mini.body).size() == 12);

  auto busy = http_request(server.port, "POST", "/v1/chat/completions", kJson, R"({"model":"busy"})");
  CHECK(busy.status == 529);
  CHECK(busy.header("Content-Type") == "application/json");
  CHECK(Json::parse(busy.body)["error"]["type"] == "overloaded_error");

  auto unmatched = http_request(server.port, "POST", "/v1/chat/completions", kJson, R"({"model":"gpt-5"})");
  CHECK(unmatched.status == 404);
  CHECK(unmatched.body.find("  3. * /v1/chat/completions [body contains \"\\\"model\\\":\\\"busy\\\"\"] -> status 529 "
                            "(overloaded)\n") != std::string::npos);
  CHECK(unmatched.body.find("  2. POST /v1/chat/completions [json /model = \"gpt-4o-mini\"] -> ") != std::string::npos);

  SseClient flaky(server.port, "/flaky?mode=drop");
  CHECK(flaky.events_until(3).size() == 1);  // the route's own drop_after, its recording next to the routes file
  CHECK_FALSE(flaky.wait_end());
  CHECK(http_request(server.port, "GET", "/flaky").status == 404);
}

TEST_CASE("replay refuses a bad routes file at start-up with FILE:LINE and exit 2", "[replay][routes]") {
  for (auto [file, message] : std::vector<std::pair<std::string, std::string>>{
           {"bad/routes-unknown-key.json", "bad/routes-unknown-key.json:4: route 1: unknown key 'recordng'"},
           {"bad/routes-bad-recording.json", "bad/routes-bad-recording.json:3: route 2: " + replay_sample("bad/unknown-field.sse") +
                                                 ":5: unknown field 'dat'"}}) {
    Process process({ssetool_binary(), "replay", "--listen", "127.0.0.1:0", "--routes", replay_sample(file)});
    CHECK(process.wait() == 2);
    CHECK(process.stderr_text().starts_with("ssetool: replay: " + replay_sample(message)));
  }
}

TEST_CASE("replay --journal writes one line per request: what was asked, which route, what was sent, how it ended",
          "[replay][routes][journal][concurrency]") {
  TempDir dir;
  std::string journal = dir.file("journal.ndjson");
  auto server = start_replay({"--routes", write_routes(dir), "--journal", journal, "--exit-after", "4"});

  auto mini = http_request(server.port, "POST", "/v1/chat/completions?trace=1",
                           {{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-test"}},
                           R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(mini.status == 200);
  {
    SseClient flaky(server.port, "/flaky?mode=drop", {{"Last-Event-ID", "1"}});
    REQUIRE(flaky.events_until(1).size() == 1);
    flaky.wait_end();
  }
  CHECK(http_request(server.port, "DELETE", "/nothing").status == 404);
  CHECK(http_request(server.port, "POST", "/v1/chat/completions", kJson, R"({"model":"busy"})").status == 529);
  REQUIRE(server.process->wait() == 0);

  auto lines = journal_lines(journal);
  REQUIRE(lines.size() == 4);
  std::sort(lines.begin(), lines.end(), [](const Json& a, const Json& b) { return a["request"] < b["request"]; });

  const Json& chat = lines[0];
  CHECK(chat["method"] == "POST");
  CHECK(chat["path"] == "/v1/chat/completions");
  CHECK(chat["query"] == Json{{"trace", "1"}});
  CHECK(chat["headers"]["authorization"] == "Bearer sk-test");
  CHECK(chat["headers"]["content-type"] == "application/json");
  CHECK(Json::parse(chat["body"].get<std::string>())["messages"][0]["content"] == "hi");
  CHECK(chat["route"] == 2);
  CHECK(chat["route_name"] == "openai-mini");
  CHECK(chat["status"] == 200);
  CHECK(chat["events"] == 12);
  CHECK(chat["ended"] == "complete");
  CHECK(chat["time"].get<std::string>().size() == 24);

  const Json& flaky = lines[1];
  CHECK(flaky["route_name"] == "flaky");
  CHECK(flaky["last_event_id"] == "1");
  CHECK(flaky["resumed"] == true);
  CHECK(flaky["events"] == 1);
  CHECK(flaky["ended"] == "dropped");

  CHECK(lines[2]["route"].is_null());
  CHECK(lines[2]["status"] == 404);
  CHECK(lines[2]["ended"] == "response");
  CHECK(lines[3]["route_name"] == "overloaded");
  CHECK(lines[3]["status"] == 529);
}

// Issue 12: the journal wrote the server's own token.
TEST_CASE("replay --journal redacts the --token (header and query) and the --redact headers", "[replay][journal]") {
  TempDir dir;
  std::string journal = dir.file("journal.ndjson");
  auto server = start_replay({replay_sample("ticks.tape"), "--speed", "0", "--token", "s3cret-token", "--journal",
                              journal, "--redact", "X-Api-Key", "--redact", "cookie", "--exit-after", "2"});
  auto by_header = http_request(server.port, "GET", "/events?trace=7",
                                {{"Authorization", "Bearer s3cret-token"}, {"x-api-key", "key-123"},
                                 {"Cookie", "session=abc"}, {"X-Other", "shown"}});
  CHECK(by_header.status == 200);
  auto by_query = http_request(server.port, "GET", "/events?access_token=s3cret-token&trace=8");
  CHECK(by_query.status == 200);
  REQUIRE(server.process->wait() == 0);

  std::ifstream in(journal);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("s3cret-token") == std::string::npos);
  CHECK(text.str().find("key-123") == std::string::npos);
  CHECK(text.str().find("session=abc") == std::string::npos);
  auto lines = journal_lines(journal);
  REQUIRE(lines.size() == 2);
  std::sort(lines.begin(), lines.end(), [](const Json& a, const Json& b) { return a["request"] < b["request"]; });
  CHECK(lines[0]["headers"]["authorization"] == "[redacted]");
  CHECK(lines[0]["headers"]["x-api-key"] == "[redacted]");
  CHECK(lines[0]["headers"]["cookie"] == "[redacted]");
  CHECK(lines[0]["headers"]["x-other"] == "shown");
  CHECK(lines[0]["query"] == Json{{"trace", "7"}});
  CHECK(lines[1]["query"] == Json{{"access_token", "[redacted]"}, {"trace", "8"}});
}

TEST_CASE("replay --routes: the most specific route wins whatever its place, a body regex picks a tool-result turn",
          "[replay][routes][concurrency]") {
  TempDir dir;
  Json routes = Json::array({
      {{"name", "catch-all"}, {"match", {{"path", "/v1/*"}}}, {"status", 200}, {"body", "any"}},
      {{"name", "chat"}, {"match", {{"method", "POST"}, {"path", "/v1/chat/completions"}}}, {"status", 200},
       {"body", "chat"}},
      {{"name", "tool-turn"},
       {"match", {{"method", "POST"}, {"path", "/v1/chat/completions"}, {"body_regex", "\"role\":\\s*\"tool\""}}},
       {"status", 200},
       {"body", "tool"}},
  });
  auto server = start_replay({"--routes", dir.write("routes.json", routes.dump())});
  auto body_of = [&](const std::string& path, const std::string& body) {
    return http_request(server.port, "POST", path, kJson, body).body;
  };
  CHECK(body_of("/v1/chat/completions", R"({"messages":[{"role": "tool","content":"42"}]})") == "tool");
  CHECK(body_of("/v1/chat/completions", R"({"messages":[{"role":"user"}]})") == "chat");
  CHECK(body_of("/v1/embeddings", "{}") == "any");
  // A hostile body against the regex: answered at once (RE2 is linear), the server still serving.
  CHECK(body_of("/v1/chat/completions", "\"role\":" + std::string(1 << 20, ' ') + "x") == "chat");
}

TEST_CASE("replay --routes: a sequence answers the 1st, 2nd, 3rd call differently, then cycles or repeats the last",
          "[replay][routes][sequence][concurrency]") {
  TempDir dir;
  Json routes = Json::array({
      {{"match", {{"path", "/v1/chat/completions"}}},
       {"sequence",
        {{{"status", 429}, {"body", {{"error", "slow down"}}}},
         {{"preset", {{"name", "openai-chat"}, {"text", "second call"}}}},
         {{"status", 200}, {"body", "third"}}}},
       {"then", "cycle"}},
      {{"match", {{"path", "/once"}}}, {"sequence", {{{"body", "first"}}, {{"body", "later"}}}}},
  });
  auto server = start_replay({"--routes", dir.write("routes.json", routes.dump()), "--speed", "0"});
  auto call = [&] { return http_request(server.port, "POST", "/v1/chat/completions", kJson, R"({"model":"m"})"); };
  auto first = call();
  CHECK(first.status == 429);
  CHECK(Json::parse(first.body)["error"] == "slow down");
  auto second = call();
  CHECK(second.status == 200);
  auto events = parse_body(second.body);
  REQUIRE(events.size() == 5);
  CHECK(Json::parse(events[1].data)["choices"][0]["delta"]["content"] == "second");
  CHECK(call().body == "third");
  CHECK(call().status == 429);  // cycle: from the first again
  CHECK(http_request(server.port, "GET", "/once").body == "first");
  CHECK(http_request(server.port, "GET", "/once").body == "later");
  CHECK(http_request(server.port, "GET", "/once").body == "later");  // repeat: the last again
  CHECK(http_request(server.port, "GET", "/nowhere").body.find("/v1/chat/completions -> sequence of 3, cycling") !=
        std::string::npos);
}

TEST_CASE("replay: requests with an X-Test-Id count their own sequence steps and --fail-first, apart from others",
          "[replay][routes][sequence][concurrency]") {
  TempDir dir;
  Json routes = Json::array({{{"match", {{"path", "/s"}}}, {"fail_first", 1}, {"fail_status", 503},
                              {"sequence", {{{"body", "one"}}, {{"body", "two"}}}}}});
  auto server = start_replay({"--routes", dir.write("routes.json", routes.dump())});
  auto call = [&](std::optional<std::string> test_id) {
    Headers headers;
    if (test_id) headers.emplace_back("X-Test-Id", *test_id);
    auto r = http_request(server.port, "GET", "/s", headers);
    return r.status == 200 ? r.body : std::to_string(r.status);
  };
  // Two tests interleaved, each from a thread of its own, and requests without an id: each its own story.
  std::vector<std::string> a, b;
  std::thread ta([&] { for (int i = 0; i < 3; ++i) a.push_back(call("test-a")); });
  std::thread tb([&] { for (int i = 0; i < 3; ++i) b.push_back(call("test-b")); });
  ta.join();
  tb.join();
  CHECK(a == std::vector<std::string>{"503", "one", "two"});
  CHECK(b == std::vector<std::string>{"503", "one", "two"});
  CHECK(call(std::nullopt) == "503");
  CHECK(call(std::nullopt) == "one");
  CHECK(call("test-a") == "two");  // test-a's count went on
}
