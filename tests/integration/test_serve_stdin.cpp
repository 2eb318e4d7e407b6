// Integration tests of `serve --stdin-endpoint`: the endpoint event, POST round trips to the child's stdin,
// 404/405/413 and a full stdin buffer (503), and the Model Context Protocol's HTTP+SSE transport — by hand,
// message by message, and with the official MCP TypeScript SDK's SSEClientTransport when it is installed
// (`npm ci` in tests/data/serve/mcp).
#include <catch2/catch.hpp>

#include <csignal>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

SsetoolProcess start_serve(std::vector<std::string> options, std::vector<std::string> command) {
  std::vector<std::string> args{"serve", "--stdin-endpoint"};
  args.insert(args.end(), options.begin(), options.end());
  args.emplace_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return start_ssetool(args);
}

int stop(SsetoolProcess& server) {
  server.process->signal(SIGTERM);
  return server.process->wait(15s).value_or(-1);
}

// The session's stdin endpoint, from the stream's first event.
std::string endpoint_of(SseClient& client) {
  auto e = client.next_event();
  REQUIRE(e);
  CHECK(e->type == "endpoint");
  CHECK(e->data.rfind("/stdin/", 0) == 0);
  CHECK(e->data.size() == 7 + 32);
  return e->data;
}

HttpResponse post(int port, const std::string& path, const std::string& body) {
  return http_request(port, "POST", path, {{"Content-Type", "application/json"}}, body);
}

// POSTs until the answer is `status` (the session's end reaches the registry a moment after the stream's).
bool await_post_status(int port, const std::string& path, int status) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (post(port, path, "x").status == status) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::string data_dir() { return std::string(SSETOOL_TEST_DATA) + "/serve"; }

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("serve --stdin-endpoint: a POSTed line comes back as an event from the child", "[serve]") {
  auto server = start_serve({}, {"cat"});
  SseClient c(server.port, "/events");
  std::string endpoint = endpoint_of(c);
  auto r = post(server.port, endpoint, "hello");
  CHECK(r.status == 202);
  auto e = c.next_event();
  REQUIRE(e);
  CHECK(e->type == "message");
  CHECK(e->data == "hello");
  CHECK(post(server.port, endpoint, "already ends in a newline\n").status == 202);
  CHECK(post(server.port, endpoint, "two\nlines").status == 202);
  auto events = c.events_until(3);
  REQUIRE(events.size() == 3);
  CHECK(events[0].data == "already ends in a newline");
  CHECK(events[1].data == "two");
  CHECK(events[2].data == "lines");
  CHECK(stop(server) == 0);
}

TEST_CASE("serve --stdin-endpoint: sessions are separate, unknown, ended, wrong method, too large", "[serve]") {
  auto server = start_serve({"--max-body", "1KiB"}, {"sh", "-c", "echo \"$SSE_SESSION_ID\"; exec cat"});
  SseClient a(server.port, "/events");
  SseClient b(server.port, "/events");
  std::string ea = endpoint_of(a), eb = endpoint_of(b);
  CHECK(ea != eb);
  CHECK("/stdin/" + a.next_event()->data == ea);  // the endpoint names the session SSE_SESSION_ID names
  CHECK("/stdin/" + b.next_event()->data == eb);
  CHECK(post(server.port, eb, "for b").status == 202);
  CHECK(b.next_event()->data == "for b");
  CHECK_FALSE(a.next_event(200ms));  // nothing reached a

  CHECK(post(server.port, "/stdin/0123456789abcdef0123456789abcdef", "x").status == 404);
  CHECK(post(server.port, ea, std::string(1025, 'x')).status == 413);
  CHECK(post(server.port, ea, std::string(1024, 'x')).status == 202);
  auto get = http_request(server.port, "GET", ea);
  CHECK(get.status == 405);
  CHECK(get.header("Allow") == "POST");

  a.connection().close();  // a's child is stopped: its endpoint is gone
  CHECK(await_post_status(server.port, ea, 404));
  CHECK(post(server.port, eb, "b lives").status == 202);
  CHECK(b.next_event()->data == "b lives");
  CHECK(stop(server) == 0);
}

TEST_CASE("serve --stdin-endpoint: a child that does not read fills its buffer, then 503", "[serve]") {
  auto server = start_serve({"--max-body", "16KiB", "--stdin-buffer", "32KiB"}, {"sleep", "60"});
  SseClient c(server.port, "/events");
  std::string endpoint = endpoint_of(c);
  std::string chunk(16 * 1024 - 1, 'x');
  int accepted = 0, status = 202;
  // The pipe takes 64 KiB, the buffer 32 KiB more: a full buffer is reached within a few dozen POSTs.
  while (status == 202 && accepted < 100) {
    status = post(server.port, endpoint, chunk).status;
    if (status == 202) ++accepted;
  }
  CHECK(status == 503);
  CHECK(accepted >= 2);
  CHECK(accepted < 100);
  CHECK(stop(server) == 0);
}

TEST_CASE("serve --stdin-endpoint --event message: the MCP HTTP+SSE transport", "[serve][mcp]") {
  auto server = start_serve({"--event", "message"}, {data_dir() + "/mcp_server.py"});

  // By hand, as the transport specifies: GET the stream, read `endpoint`, POST JSON-RPC there (202), and
  // read the answers as `message` events.
  SseClient c(server.port, "/events");
  std::string endpoint = endpoint_of(c);
  std::string session = endpoint.substr(7);
  json init = {{"jsonrpc", "2.0"},
               {"id", 1},
               {"method", "initialize"},
               {"params",
                {{"protocolVersion", "2024-11-05"},
                 {"capabilities", json::object()},
                 {"clientInfo", {{"name", "by-hand"}, {"version", "1"}}}}}};
  CHECK(post(server.port, endpoint, init.dump()).status == 202);
  auto e = c.next_event();
  REQUIRE(e);
  CHECK(e->type == "message");
  json answer = json::parse(e->data);
  CHECK(answer["id"] == 1);
  CHECK(answer["result"]["serverInfo"]["name"] == "ssetool-test-echo");
  CHECK(post(server.port, endpoint, R"({"jsonrpc":"2.0","method":"notifications/initialized"})").status == 202);
  json call = {{"jsonrpc", "2.0"},
               {"id", 2},
               {"method", "tools/call"},
               {"params", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}}};
  CHECK(post(server.port, endpoint, call.dump()).status == 202);
  e = c.next_event();
  REQUIRE(e);
  answer = json::parse(e->data);
  CHECK(answer["id"] == 2);
  CHECK(answer["result"]["content"][0]["text"] == "echo: hi (session " + session + ")");

  // A real client: the SDK's SSEClientTransport, when installed.
  std::string client_dir = data_dir() + "/mcp";
  if (file_exists(client_dir + "/node_modules/@modelcontextprotocol/sdk/package.json")) {
    Process node({"node", client_dir + "/mcp_client.mjs", "http://127.0.0.1:" + std::to_string(server.port) + "/events",
                  "from the sdk"});
    REQUIRE(node.wait(30s) == 0);
    json out = json::parse(node.stdout_text());
    CHECK(out["server"] == "ssetool-test-echo");
    CHECK(out["tools"] == json::array({"echo"}));
    std::string text = out["text"];
    CHECK(text.rfind("echo: from the sdk (session ", 0) == 0);
    CHECK(text.find(session) == std::string::npos);  // its own session, not ours
  } else {
    WARN("MCP SDK not installed (npm ci in tests/data/serve/mcp): only the hand-made exchange was checked");
  }
  CHECK(stop(server) == 0);
}
