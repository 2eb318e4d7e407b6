// Integration tests of `serve --mcp-config FILE`: several stdio MCP servers on one port, each at /NAME/mcp with
// its own command, arguments, environment and working directory; GET / lists them; a session answers only at
// its own server's path; a bad file is a usage error naming the file and line or the server.
#include <catch2/catch.hpp>

#include <csignal>
#include <nlohmann/json.hpp>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// A stdio MCP server in sh whose serverInfo name is `name_expression` (expanded by sh: $VAR, $(pwd)).
json sh_entry(const std::string& name_expression) {
  return {{"command", "sh"},
          {"args", {"-c",
                    "read line; printf '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"2025-11-25\","
                    "\"capabilities\":{},\"serverInfo\":{\"name\":\"%s\",\"version\":\"1\"}}}\\n' \"" +
                        name_expression + "\"; exec cat >/dev/null"}}};
}

HttpResponse post(int port, const std::string& path, const std::string& body, Headers extra = {}) {
  Headers h{{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  h.insert(h.end(), extra.begin(), extra.end());
  return http_request(port, "POST", path, h, body);
}

// ssetool serve ARGS, expected to refuse at once: its exit code and stderr.
std::pair<std::optional<int>, std::string> refused(const std::vector<std::string>& args) {
  std::vector<std::string> argv{ssetool_binary(), "serve"};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv);
  auto code = p.wait(10s);
  return {code, p.stderr_text()};
}

}  // namespace

TEST_CASE("serve --mcp-config: each server at /NAME/mcp with its env and cwd, GET / lists them", "[serve][mcp]") {
  TempDir files;
  json config = {{"mcpServers",
                  {{"alpha", sh_entry("alpha $GREETING")},
                   {"beta", sh_entry("beta $(pwd)")}}}};
  config["mcpServers"]["alpha"]["env"] = {{"GREETING", "hello"}};
  config["mcpServers"]["beta"]["cwd"] = files.path();
  std::string file = files.write("servers.json", config.dump(2));
  auto server = start_ssetool({"serve", "--mcp-config", file});
  int port = server.port;

  auto alpha = post(port, "/alpha/mcp", kMcpInitialize);
  REQUIRE(alpha.status == 200);
  CHECK(json::parse(alpha.body)["result"]["serverInfo"]["name"] == "alpha hello");
  auto beta = post(port, "/beta/mcp", kMcpInitialize);
  REQUIRE(beta.status == 200);
  CHECK(json::parse(beta.body)["result"]["serverInfo"]["name"] == "beta " + files.path());

  auto alpha_id = alpha.header("Mcp-Session-Id");
  REQUIRE(alpha_id);
  // A session answers at its own server's path only.
  CHECK(post(port, "/beta/mcp", R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
             {{"Mcp-Session-Id", *alpha_id}}).status == 404);
  CHECK(post(port, "/alpha/mcp", R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
             {{"Mcp-Session-Id", *alpha_id}}).status == 202);
  CHECK(post(port, "/mcp", kMcpInitialize).status == 404);

  {  // the old HTTP+SSE transport too, at /NAME/sse
    SseClient legacy(port, "/beta/sse");
    auto endpoint = legacy.next_event();
    REQUIRE(endpoint);
    CHECK(endpoint->type == "endpoint");
    CHECK(endpoint->data.rfind("/beta/message?sessionId=", 0) == 0);
    CHECK(http_request(port, "POST", endpoint->data, {{"Content-Type", "application/json"}}, kMcpInitialize).status == 202);
    auto answer = legacy.next_event();
    REQUIRE(answer);
    CHECK(json::parse(answer->data)["result"]["serverInfo"]["name"] == "beta " + files.path());
  }

  auto listed = http_request(port, "GET", "/", {{"Accept", "application/json"}});
  REQUIRE(listed.status == 200);
  CHECK(json::parse(listed.body) ==
        json{{"servers", {{{"name", "alpha"}, {"mcp", "/alpha/mcp"}}, {{"name", "beta"}, {"mcp", "/beta/mcp"}}}}});
  auto page = http_request(port, "GET", "/", {{"Accept", "text/html"}});
  CHECK(page.header("Content-Type")->rfind("text/html", 0) == 0);
  CHECK(page.body.find("<code>/beta/mcp</code>") != std::string::npos);
  CHECK(page.body.find("hello") == std::string::npos);  // no environment, arguments or commands shown

  server.process->signal(SIGTERM);
  CHECK(server.process->wait(15s) == 0);
}

TEST_CASE("serve --mcp-config: a bad file is a usage error naming the file and line or the server",
          "[serve][mcp]") {
  TempDir files;
  auto check = [&](const std::string& contents, const std::string& expected) {
    std::string file = files.write("bad.json", contents);
    auto [code, err] = refused({"--mcp-config", file});
    CHECK(code == 2);
    CHECK(err.find(expected) != std::string::npos);
  };
  check("{\"mcpServers\": {\n  \"a\": {\"command\": \"cat\",}\n}}", "bad.json:2:");
  check(R"({"servers": {}})", R"(expected {"mcpServers")");
  check(R"({"mcpServers": {}})", R"("mcpServers" is empty)");
  check(R"({"mcpServers": {"a": {"args": []}}})", R"(server 'a': "command" is missing)");
  check(R"({"mcpServers": {"../up": {"command": "cat"}}})", "server '../up': the name must be a path segment");
  check(R"({"mcpServers": {"a": {"command": "cat", "args": "x"}}})", R"(server 'a': "args": expected an array)");
  check(R"({"mcpServers": {"a": {"command": "cat", "env": {"X": 1}}}})", R"(server 'a': "env" X: expected a string)");
  check(R"({"mcpServers": {"a": {"command": "cat", "cwd": "/nonexistent/dir"}}})",
        "server 'a': cwd '/nonexistent/dir': No such file or directory");
  check(R"({"mcpServers": {"a": {"url": "http://example.com/mcp"}}})", "server 'a': has \"url\", a remote server");
  check(R"({"mcpServers": {"a": {"command": "no-such-command-here"}}})",
        "server 'a': no-such-command-here: command not found");

  auto [missing, missing_err] = refused({"--mcp-config", files.file("none.json")});
  CHECK(missing == 2);
  CHECK(missing_err.find("none.json: No such file or directory") != std::string::npos);
  std::string good = files.write("good.json", R"({"mcpServers": {"a": {"command": "cat"}}})");
  auto [both, both_err] = refused({"--mcp-config", good, "--", "cat"});
  CHECK(both == 2);
  CHECK(both_err.find("give no -- COMMAND") != std::string::npos);
}

TEST_CASE("serve --mcp-config: an unknown key is a warning, the server still runs", "[serve][mcp]") {
  TempDir files;
  std::string file = files.write(
      "servers.json", R"({"mcpServers": {"a": {"command": "cat", "type": "stdio", "disabled": false}}})");
  auto server = start_ssetool({"serve", "--mcp-config", file});
  server.process->signal(SIGTERM);
  CHECK(server.process->wait(15s) == 0);
  CHECK(server.process->stderr_text().find("server 'a': unknown key 'disabled' (ignored)") != std::string::npos);
  CHECK(server.process->stderr_text().find("'type'") == std::string::npos);
}
