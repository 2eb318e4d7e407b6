// Integration tests of `serve --mcp --threads 3`: MCP sessions spread over several stream loops, each session (its
// child, its streams, its held answers, its history) on one loop for life. Concurrent sessions each get their own
// answers in order with their progress; a dropped stream resumes on its loop; the old HTTP+SSE transport works
// there too; DELETE, --session-timeout and SIGTERM leave no process behind on any loop.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <sched.h>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// A stdio MCP server in Python: answers initialize; answers any other request with {"text": its text argument},
// after three progress notifications when the request carries a progress token, and after sleeping `ms` ms.
const std::string kPythonServer = R"(
import json, sys, time
for line in sys.stdin:
    m = json.loads(line)
    if "id" not in m or "method" not in m:
        continue
    p = m.get("params") or {}
    if m["method"] == "initialize":
        r = {"protocolVersion": p["protocolVersion"], "capabilities": {"tools": {}},
             "serverInfo": {"name": "py", "version": "1"}}
    else:
        a = p.get("arguments") or {}
        token = (p.get("_meta") or {}).get("progressToken")
        for k in range(1, 4):
            if token is not None:
                print(json.dumps({"jsonrpc": "2.0", "method": "notifications/progress",
                                  "params": {"progressToken": token, "progress": k}}), flush=True)
        time.sleep(a.get("ms", 0) / 1000)
        r = {"text": a.get("text", "")}
    print(json.dumps({"jsonrpc": "2.0", "id": m["id"], "result": r}), flush=True)
)";

// A stdio MCP server in sh that ignores SIGTERM (so does its grandchild `sleep`): answers initialize, then reads
// everything. Only SIGKILL after --kill-grace ends it.
std::vector<std::string> stubborn_server() {
  return {"sh", "-c",
          "trap '' TERM; sleep 1000 & read line; echo '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":"
          "\"2025-11-25\",\"capabilities\":{},\"serverInfo\":{\"name\":\"sh\",\"version\":\"1\"}}}'; exec cat"};
}

constexpr int kLoops = 3;

// `serve --mcp` under test, stopped with SIGTERM at the end so that it stops its children.
using McpBridge = TerminatedSsetool;

McpBridge start_mcp(std::vector<std::string> options, const std::vector<std::string>& command) {
  std::vector<std::string> args{"serve", "--mcp", "--threads", std::to_string(kLoops)};
  args.insert(args.end(), options.begin(), options.end());
  args.emplace_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return McpBridge(start_ssetool(args));
}

// ssetool_loop_clients_connected{loop="K"} for each loop K.
std::vector<long> streams_per_loop(int port) {
  std::string body = http_request(port, "GET", "/metrics").body;
  std::vector<long> counts;
  for (int k = 0; k < kLoops; ++k) {
    std::string name = "ssetool_loop_clients_connected{loop=\"" + std::to_string(k) + "\"} ";
    auto at = body.find(name);
    counts.push_back(at == std::string::npos ? -1 : std::stol(body.substr(at + name.size())));
  }
  return counts;
}

bool all_dead(const std::set<pid_t>& pids) {
  for (pid_t pid : pids)
    if (!wait_dead(pid, 10s)) return false;
  return true;
}

}  // namespace

TEST_CASE("serve --mcp --threads 3: sessions live on one loop each, answers in order with their progress",
          "[serve][mcp][threads][concurrency]") {
  auto server = start_mcp({}, {"python3", "-c", kPythonServer});
  int port = server.port;
  constexpr int kSessions = 2 * kLoops;
  std::vector<std::string> ids;
  for (int i = 0; i < kSessions; ++i) ids.push_back(open_session(port));

  // Sessions are placed in turn: 1 and 4 live on loop 1, and so do their GET streams (not the next loop in turn).
  std::vector<std::unique_ptr<SseClient>> gets;
  for (int i : {1, 4}) {
    gets.push_back(std::make_unique<SseClient>(port, "/mcp", Headers{{"Mcp-Session-Id", ids[i]}}));
    REQUIRE(gets.back()->status() == 200);
  }
  bool placed = false;
  for (auto deadline = std::chrono::steady_clock::now() + kDefaultTimeout;
       !placed && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(5ms))
    placed = streams_per_loop(port) == std::vector<long>{0, 2, 0};
  CHECK(placed);

  // Every session at once, 5 calls each in a row: each its own progress (1, 2, 3) then its own response.
  constexpr int kCalls = 5;
  std::vector<std::future<std::vector<std::string>>> sessions;
  for (int i = 0; i < kSessions; ++i)
    sessions.push_back(std::async(std::launch::async, [port, id = ids[i], i] {
      std::vector<std::string> problems;
      for (int c = 0; c < kCalls; ++c) {
        std::string text = "s" + std::to_string(i) + "c" + std::to_string(c);
        int request = 10 + c;
        json call = {{"jsonrpc", "2.0"}, {"id", request}, {"method", "tools/call"},
                     {"params", {{"name", "echo"}, {"arguments", {{"text", text}}}, {"_meta", {{"progressToken", text}}}}}};
        auto reply = mcp_post(port, call.dump(), {{"Mcp-Session-Id", id}});
        auto messages = messages_of(reply.body);
        bool ok = reply.status == 200 && messages.size() == 4;
        for (int k = 0; ok && k < 3; ++k)
          ok = messages[k]["method"] == "notifications/progress" && messages[k]["params"]["progressToken"] == text &&
               messages[k]["params"]["progress"] == k + 1;
        ok = ok && messages[3]["id"] == request && messages[3]["result"]["text"] == text;
        if (!ok) problems.push_back(text + ": " + std::to_string(reply.status) + " " + reply.body);
      }
      return problems;
    }));
  for (auto& session : sessions) {
    REQUIRE(session.wait_for(2 * kDefaultTimeout) == std::future_status::ready);
    auto problems = session.get();
    CAPTURE(problems);
    CHECK(problems.empty());
  }
  CHECK(metric(port, "mcp_sessions_open") == kSessions);
}

TEST_CASE("serve --mcp --threads 3: a dropped stream resumes with Last-Event-ID on its session's loop",
          "[serve][mcp][threads][concurrency]") {
  auto server = start_mcp({}, {"python3", "-c", kPythonServer});
  int port = server.port;
  for (int i = 0; i < kLoops; ++i) {  // one session on each loop
    CAPTURE(i);
    std::string id = open_session(port);
    // The call's stream (stream 2: initialize was 1) is dropped after its priming event.
    std::string body = R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo",)"
                       R"("arguments":{"ms":300,"text":"late )" + std::to_string(i) + R"("}}})";
    REQUIRE(post_then_drop(port, id, body, "id: 2-0\n"));
    SseClient resumed(port, "/mcp", {{"Mcp-Session-Id", id}, {"Last-Event-ID", "2-0"},
                                     {"MCP-Protocol-Version", "2025-11-25"}});
    REQUIRE(resumed.status() == 200);
    auto answer = first_message(resumed);
    REQUIRE(answer);
    CHECK(answer->last_event_id == "2-1");
    json response = json::parse(answer->data);
    CHECK(response["id"] == 5);
    CHECK(response["result"]["text"] == "late " + std::to_string(i));
    CHECK(resumed.wait_end());
  }
}

TEST_CASE("serve --mcp --threads 3: the old HTTP+SSE transport, one session on each loop",
          "[serve][mcp][threads][concurrency]") {
  auto server = start_mcp({}, {"python3", "-c", kPythonServer});
  int port = server.port;
  std::vector<std::unique_ptr<SseClient>> streams;
  std::vector<std::string> urls;
  for (int i = 0; i < kLoops; ++i) {
    streams.push_back(std::make_unique<SseClient>(port, "/sse"));
    auto endpoint = streams.back()->next_event();
    REQUIRE(endpoint);
    REQUIRE(endpoint->type == "endpoint");
    urls.push_back(endpoint->data);
  }
  CHECK(streams_per_loop(port) == std::vector<long>{1, 1, 1});
  Headers json_type{{"Content-Type", "application/json"}};
  for (int i = 0; i < kLoops; ++i) {
    CAPTURE(i);
    REQUIRE(http_request(port, "POST", urls[i], json_type, kMcpInitialize).status == 202);
    json call = {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/call"},
                 {"params", {{"name", "echo"}, {"arguments", {{"text", "legacy " + std::to_string(i)}}}}}};
    REQUIRE(http_request(port, "POST", urls[i], json_type, call.dump()).status == 202);
  }
  for (int i = 0; i < kLoops; ++i) {
    auto init = streams[i]->next_event();
    auto answer = streams[i]->next_event();
    REQUIRE(init);
    REQUIRE(answer);
    CHECK(json::parse(init->data)["result"]["serverInfo"]["name"] == "py");
    CHECK(json::parse(answer->data)["result"]["text"] == "legacy " + std::to_string(i));
  }
  auto children = descendants(server.process->pid());
  CHECK(children.size() == kLoops);
  streams.clear();  // the clients go away: their sessions end, each on its loop
  CHECK(all_dead(children));
  CHECK(await_metric(port, "mcp_children_alive", 0, 10s));
}

TEST_CASE("serve --mcp --threads 3: DELETE and --session-timeout end sessions on every loop, no process left",
          "[serve][mcp][threads][concurrency]") {
  auto server = start_mcp({"--session-timeout", "1s", "--kill-grace", "200ms"}, stubborn_server());
  int port = server.port;
  constexpr int kSessions = 2 * kLoops;
  std::vector<std::string> ids;
  for (int i = 0; i < kSessions; ++i) ids.push_back(open_session(port));
  auto children = descendants(server.process->pid());
  CHECK(children.size() == 2 * kSessions);  // each sh (cat) and its sleep
  for (int i = 0; i < kLoops; ++i) {  // sessions 0, 1, 2: one on each loop; the others time out
    auto deleted = http_request(port, "DELETE", "/mcp", {{"Mcp-Session-Id", ids[i]}});
    CHECK(deleted.status == 204);
    CHECK(mcp_post(port, R"({"jsonrpc":"2.0","id":3,"method":"ping"})", {{"Mcp-Session-Id", ids[i]}}).status == 404);
  }
  CHECK(all_dead(children));
  CHECK(await_metric(port, "mcp_children_alive", 0, 10s));
  CHECK(metric(port, "mcp_sessions_open") == 0);
  CHECK(descendants(server.process->pid()).empty());
}

TEST_CASE("serve --mcp --threads 3: SIGTERM kills and reaps the children of every loop, grandchildren too",
          "[serve][mcp][threads][concurrency]") {
  auto server = start_mcp({"--kill-grace", "200ms"}, stubborn_server());
  int port = server.port;
  std::vector<std::string> ids;
  for (int i = 0; i < 2 * kLoops; ++i) ids.push_back(open_session(port));
  SseClient get(port, "/mcp", {{"Mcp-Session-Id", ids[2]}});  // a stream open on loop 2
  REQUIRE(get.status() == 200);
  SseClient legacy(port, "/sse");  // and an old-transport session (on loop 0), initialized: its sleep runs
  auto endpoint = legacy.next_event();
  REQUIRE(endpoint);
  REQUIRE(http_request(port, "POST", endpoint->data, {{"Content-Type", "application/json"}}, kMcpInitialize).status == 202);
  REQUIRE(legacy.next_event());
  auto children = descendants(server.process->pid());
  CHECK(children.size() == 2 * (2 * kLoops + 1));
  server.process->signal(SIGTERM);
  CHECK(server.process->wait(15s) == 0);
  CHECK(all_dead(children));
  get.wait_end();
  CHECK(get.ended());  // the stream was ended (or cut) by the shutdown
}

TEST_CASE("serve --mcp: --threads defaults to the CPUs the process may use, bad values exit 2", "[serve][mcp][threads]") {
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
  {
    std::vector<std::string> args{"serve", "--mcp", "--", "cat"};
    McpBridge server(start_ssetool(args));
    CHECK(metric(server.port, "stream_loops") == std::clamp(CPU_COUNT(&set), 1, 16));
  }
  for (std::string bad : {"0", "many", "257"}) {
    Process p({ssetool_binary(), "serve", "--mcp", "--threads", bad, "--", "cat"});
    CHECK(p.wait() == 2);
    CHECK(p.stderr_text().find("--threads") != std::string::npos);
  }
}
