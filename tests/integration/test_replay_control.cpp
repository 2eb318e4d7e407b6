// Integration tests of `ssetool replay --control` (issue 18, item 6): test scopes (X-Test-Id) with their own
// counters, journal views and faults, and the control API under /_ssetool/ — journal, reset, push into open
// streams, faults, health — its token, and its absence without --control; against the built binary.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

constexpr const char* kToken = "ctl-secret-42";

// A routes file: /s answers "one", then "two"; /fast plays two events at once; /slow plays "first" and then
// "second" 60 s later (a stream that stays open while a test pushes into it).
std::string routes_file(const TempDir& dir) {
  dir.write("two.sse", "id: 1\ndata: first\n\nid: 2\ndata: second\n\n");
  Json routes = Json::array({
      {{"match", {{"path", "/s"}}}, {"sequence", {{{"body", "one"}}, {{"body", "two"}}}}},
      {{"match", {{"path", "/fast"}}}, {"recording", "two.sse"}, {"speed", 0}},
      {{"match", {{"path", "/slow"}}}, {"recording", "two.sse"}, {"interval", "60s"}},
  });
  return dir.write("routes.json", routes.dump());
}

// `ssetool replay --routes ... --control`, the token from the environment.
SsetoolProcess start_control(const TempDir& dir, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"replay", "--routes", routes_file(dir), "--control"};
  args.insert(args.end(), more.begin(), more.end());
  return start_ssetool(args, {.env = {{"SSETOOL_CONTROL_TOKEN", kToken}}});
}

HttpResponse control(int port, const std::string& method, const std::string& path, const std::string& body = {},
                     const std::string& content_type = "text/event-stream") {
  Headers headers = {{"Authorization", std::string("Bearer ") + kToken}};
  if (!body.empty()) headers.emplace_back("Content-Type", content_type);
  return http_request(port, method, path, headers, body);
}

// A short request in a scope: its body, or its status when it is not 200.
std::string call(int port, const std::string& path, const std::string& test_id) {
  auto r = http_request(port, "GET", path, {{"X-Test-Id", test_id}});
  return r.status == 200 ? r.body : std::to_string(r.status);
}

// The scope's journal view, one JSON value per line.
std::vector<Json> journal(int port, const std::string& test) {
  auto r = control(port, "GET", "/_ssetool/journal" + (test.empty() ? "" : "?test=" + test));
  REQUIRE(r.status == 200);
  std::vector<Json> lines;
  std::size_t at = 0;
  for (std::size_t end; (end = r.body.find('\n', at)) != std::string::npos; at = end + 1)
    lines.push_back(Json::parse(r.body.substr(at, end - at)));
  return lines;
}

// The scope's journal view once it has `n` lines: a stream's line is written as its session closes, just after the
// client saw its end, so this waits for it (bounded).
std::vector<Json> journal_of_size(int port, const std::string& test, std::size_t n) {
  auto deadline = std::chrono::steady_clock::now() + kDefaultTimeout;
  std::vector<Json> lines = journal(port, test);
  while (lines.size() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
    lines = journal(port, test);
  }
  return lines;
}

}  // namespace

TEST_CASE("replay --control: two concurrent test ids have their own counters, journals and faults",
          "[replay][control][concurrency]") {
  TempDir dir;
  auto server = start_control(dir);
  REQUIRE(control(server.port, "POST", "/_ssetool/faults?test=a", R"({"fail_next":1,"status":429})",
                  "application/json").status == 200);
  auto set_b = control(server.port, "POST", "/_ssetool/faults?test=b", R"({"drop_after":1})", "application/json");
  REQUIRE(set_b.status == 200);
  CHECK(Json::parse(set_b.body)["drop_after"] == 1);

  std::vector<std::string> a, b;
  std::size_t a_events = 0, b_events = 0;
  bool a_clean = false, b_abrupt = false;
  std::thread ta([&] {
    for (int i = 0; i < 3; ++i) a.push_back(call(server.port, "/s", "a"));
    SseClient stream(server.port, "/fast", {{"X-Test-Id", "a"}});
    a_events = stream.events_until(3).size();
    a_clean = stream.wait_end();
  });
  std::thread tb([&] {
    for (int i = 0; i < 3; ++i) b.push_back(call(server.port, "/s", "b"));
    SseClient stream(server.port, "/fast", {{"X-Test-Id", "b"}});
    b_events = stream.events_until(3).size();
    b_abrupt = !stream.wait_end() && stream.ended_abruptly();
  });
  ta.join();
  tb.join();
  CHECK(a == std::vector<std::string>{"429", "one", "two"});  // the failure is not a call of the route
  CHECK(b == std::vector<std::string>{"one", "two", "two"});
  CHECK(a_events == 2);  // a's stream is whole...
  CHECK(a_clean);
  CHECK(b_events == 1);  // ...b's is cut after one event: b's fault only
  CHECK(b_abrupt);
  CHECK(call(server.port, "/s", "c") == "one");  // a third scope, untouched

  auto ja = journal_of_size(server.port, "a", 4);
  REQUIRE(ja.size() == 4);
  for (const Json& line : ja) CHECK(line["headers"]["x-test-id"] == "a");
  CHECK(ja[0]["status"] == 429);
  CHECK(ja[3]["path"] == "/fast");
  CHECK(ja[3]["ended"] == "complete");
  auto jb = journal_of_size(server.port, "b", 4);
  REQUIRE(jb.size() == 4);
  CHECK(jb[3]["ended"] == "dropped");
  CHECK(jb[3]["events"] == 1);
  CHECK(journal(server.port, "").empty());  // no request without X-Test-Id
}

TEST_CASE("replay --control: a push reaches the open streams of its scope, or of all scopes without test=",
          "[replay][control][concurrency]") {
  TempDir dir;
  auto server = start_control(dir, {"--threads", "2"});  // the two streams on two loops: a push posts to each
  SseClient a(server.port, "/slow", {{"X-Test-Id", "a"}});
  SseClient b(server.port, "/slow", {{"X-Test-Id", "b"}});
  REQUIRE(a.next_event()->data == "first");  // each stream is open (and registered) once its first event came
  REQUIRE(b.next_event()->data == "first");

  auto pushed = control(server.port, "POST", "/_ssetool/push?test=a", "event: note\nid: p1\ndata: for a\n\n");
  REQUIRE(pushed.status == 200);
  CHECK(Json::parse(pushed.body) == Json({{"events", 1}, {"streams", 1}}));
  auto event = a.next_event();
  REQUIRE(event);
  CHECK(event->type == "note");
  CHECK(event->data == "for a");
  CHECK(event->last_event_id == "p1");

  // NDJSON, to every scope, at the streams' path: b's next event is this one, so the push to a never reached it.
  auto all = control(server.port, "POST", "/_ssetool/push?path=/slow",
                     "{\"data\":{\"n\":1}}\n\n{\"event\":\"x\",\"data\":\"two\\nlines\"}\n", "application/x-ndjson");
  REQUIRE(all.status == 200);
  CHECK(Json::parse(all.body) == Json({{"events", 2}, {"streams", 2}}));
  for (SseClient* client : {&a, &b}) {
    auto events = client->events_until(2);
    REQUIRE(events.size() == 2);
    CHECK(events[0].data == R"({"n":1})");
    CHECK(events[1].data == "two\nlines");
  }
  CHECK(Json::parse(control(server.port, "POST", "/_ssetool/push?path=/other", "data: x\n\n").body)["streams"] == 0);
  CHECK(Json::parse(control(server.port, "GET", "/_ssetool/health").body)["streams"] == 2);
}

TEST_CASE("replay --control: CR or LF in a pushed event's type or id is refused, naming the line",
          "[replay][control]") {
  TempDir dir;
  auto server = start_control(dir);
  SseClient client(server.port, "/slow");
  REQUIRE(client.next_event()->data == "first");
  auto injected = control(server.port, "POST", "/_ssetool/push",
                          "{\"data\":\"ok\"}\n{\"event\":\"x\\r\\ndata: injected\",\"data\":\"y\"}\n", "application/x-ndjson");
  CHECK(injected.status == 400);
  CHECK(injected.body.find("push body:2:") != std::string::npos);
  auto id = control(server.port, "POST", "/_ssetool/push", "{\"id\":\"1\\n2\",\"data\":\"y\"}\n", "application/json");
  CHECK(id.status == 400);
  auto sse = control(server.port, "POST", "/_ssetool/push", "data: ok\n\nevent: a\rid: 3\n\n");
  CHECK(sse.status == 400);  // a lone CR ends the line: "id: 3" lands in a block with no data, refused
  CHECK(sse.body.find("push body:") != std::string::npos);
  CHECK(control(server.port, "POST", "/_ssetool/push", "").status == 400);  // no event
  // Nothing of the refused pushes reached the stream (not even their valid first events): the next is this one.
  REQUIRE(control(server.port, "POST", "/_ssetool/push", "data: after\n\n").status == 200);
  auto next = client.next_event();
  REQUIRE(next);
  CHECK(next->data == "after");
}

TEST_CASE("replay --control: reset forgets a scope's counters, journal and faults, or everything without test=",
          "[replay][control]") {
  TempDir dir;
  auto server = start_control(dir);
  CHECK(call(server.port, "/s", "a") == "one");
  CHECK(call(server.port, "/s", "a") == "two");
  CHECK(call(server.port, "/s", "b") == "one");
  REQUIRE(control(server.port, "POST", "/_ssetool/faults?test=a", R"({"fail_next":5})", "application/json").status ==
          200);
  REQUIRE(control(server.port, "POST", "/_ssetool/reset?test=a").status == 200);
  CHECK(journal(server.port, "a").empty());
  CHECK(call(server.port, "/s", "a") == "one");  // counted afresh, and the faults are gone
  CHECK(call(server.port, "/s", "b") == "two");  // b untouched
  CHECK(journal(server.port, "b").size() == 2);

  CHECK(http_request(server.port, "GET", "/s").body == "one");  // requests without X-Test-Id: the default scope
  CHECK(journal(server.port, "").size() == 1);
  auto all = control(server.port, "POST", "/_ssetool/reset");
  CHECK(Json::parse(all.body)["reset"] == "all");
  CHECK(http_request(server.port, "GET", "/s").body == "one");
  CHECK(call(server.port, "/s", "b") == "one");
  CHECK(journal(server.port, "b").size() == 1);
}

TEST_CASE("replay --control: the control token is required, --token does not open it, and control requests are "
          "neither routes nor journaled",
          "[replay][control]") {
  TempDir dir;
  std::string journal_file = dir.file("journal.ndjson");
  auto server = start_control(dir, {"--token", "user-token", "--journal", journal_file, "--exit-after", "1"});
  CHECK(http_request(server.port, "GET", "/_ssetool/health").status == 401);
  CHECK(http_request(server.port, "GET", "/_ssetool/health", {{"Authorization", "Bearer wrong"}}).status == 401);
  CHECK(http_request(server.port, "GET", "/_ssetool/health", {{"Authorization", "Bearer user-token"}}).status == 401);
  CHECK(http_request(server.port, "GET", std::string("/_ssetool/health?access_token=") + kToken).status == 401);
  auto refused = http_request(server.port, "POST", "/_ssetool/push", {{"Content-Type", "text/event-stream"}},
                              "data: x\n\n");
  CHECK(refused.status == 401);
  auto health = control(server.port, "GET", "/_ssetool/health");
  CHECK(health.status == 200);
  CHECK(Json::parse(health.body)["status"] == "ok");
  CHECK(control(server.port, "GET", "/_ssetool/nothing").status == 404);
  auto wrong = control(server.port, "GET", "/_ssetool/reset");
  CHECK(wrong.status == 405);
  CHECK(find_header(wrong.headers, "Allow") == "POST");
  CHECK(control(server.port, "GET", "/_ssetool/journal?test=").status == 400);
  CHECK(control(server.port, "POST", "/_ssetool/faults", R"({"fail_next":-1})", "application/json").status == 400);
  CHECK(control(server.port, "POST", "/_ssetool/faults", R"({"drop":1})", "application/json").status == 400);
  // The user's token opens the routes, not the control token; the first route request is the --exit-after 1.
  CHECK(http_request(server.port, "GET", "/s", {{"Authorization", std::string("Bearer ") + kToken}}).status == 401);
  auto routed = http_request(server.port, "GET", "/s", {{"Authorization", "Bearer user-token"}});
  CHECK(routed.body == "one");
  CHECK(server.process->wait() == 0);
  std::string written = dir.read("journal.ndjson");
  CHECK(written.find("_ssetool") == std::string::npos);
  CHECK(written.find("\"path\":\"/s\"") != std::string::npos);
  CHECK(written.find(kToken) == std::string::npos);
}

TEST_CASE("replay without --control answers 404 under /_ssetool/, even with a catch-all route",
          "[replay][control]") {
  TempDir dir;
  Json routes = Json::array({{{"match", {{"path", "/*"}}}, {"body", "caught"}}});
  auto server = start_replay({"--routes", dir.write("routes.json", routes.dump())});
  CHECK(http_request(server.port, "GET", "/anything").body == "caught");
  auto health = http_request(server.port, "GET", "/_ssetool/health", {{"Authorization", "Bearer x"}});
  CHECK(health.status == 404);
  CHECK(health.body.find("--control") != std::string::npos);
  CHECK(http_request(server.port, "POST", "/_ssetool/push", {{"Content-Type", "text/event-stream"}}, "data: x\n\n")
            .status == 404);
}

TEST_CASE("replay --control needs a token, and --control-token needs --control (exit 2)", "[replay][control]") {
  TempDir dir;
  std::string routes = routes_file(dir);
  Process no_token({ssetool_binary(), "replay", "--routes", routes, "--control", "--listen", "127.0.0.1:0"},
                   {.env = {{"SSETOOL_CONTROL_TOKEN", ""}}});
  CHECK(no_token.wait() == 2);
  CHECK(no_token.stderr_text().find("--control: give its token with --control-token TOKEN or SSETOOL_CONTROL_TOKEN") !=
        std::string::npos);
  Process lone({ssetool_binary(), "replay", "--routes", routes, "--control-token", "t", "--listen", "127.0.0.1:0"});
  CHECK(lone.wait() == 2);
  CHECK(lone.stderr_text().find("--control-token (or SSETOOL_CONTROL_TOKEN): applies to --control") !=
        std::string::npos);
}
