// Unit tests of the --mcp-config parser (mcp/mcp_config.hpp): the MCP client config format, positions of JSON
// errors, the rules for names, keys and values.
#include <catch2/catch.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/mcp/mcp_config.hpp"
#include "ssetool/mcp/mcp_endpoint.hpp"

using namespace ssetool;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_mcp_config(text, "f.json");
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("mcp config: servers in the file's order with their command, args, env and cwd", "[mcp]") {
  auto config = parse_mcp_config(R"({"mcpServers": {
    "zeta": {"command": "node", "args": ["server.js", "--port", "1"], "env": {"B": "2", "A": "1"}, "cwd": "/srv"},
    "alpha": {"command": "uvx", "type": "stdio"}}})",
                                 "f.json");
  REQUIRE(config.servers.size() == 2);
  CHECK(config.servers[0].name == "zeta");
  CHECK(config.servers[0].command == "node");
  CHECK(config.servers[0].args == std::vector<std::string>{"server.js", "--port", "1"});
  CHECK(config.servers[0].env == std::vector<std::pair<std::string, std::string>>{{"B", "2"}, {"A", "1"}});
  CHECK(config.servers[0].cwd == "/srv");
  CHECK(config.servers[1].name == "alpha");
  CHECK(config.servers[1].args.empty());
  CHECK(config.warnings.empty());
}

TEST_CASE("mcp config: unknown keys are warnings", "[mcp]") {
  auto config = parse_mcp_config(R"({"mcpServers": {"a": {"command": "x", "disabled": true}}, "globalShortcut": ""})",
                                 "f.json");
  REQUIRE(config.warnings.size() == 2);
  CHECK(config.warnings[0] == "f.json: unknown key 'globalShortcut' (ignored)");
  CHECK(config.warnings[1] == "f.json: server 'a': unknown key 'disabled' (ignored)");
}

TEST_CASE("mcp config: errors name the file and line, or the server", "[mcp]") {
  CHECK(error_of("{\n\n  \"mcpServers\": [}").rfind("f.json:3:", 0) == 0);
  CHECK(error_of("").rfind("f.json:1:", 0) == 0);
  CHECK(error_of("[]").find("f.json: expected {\"mcpServers\"") == 0);
  CHECK(error_of(R"({"mcpServers": {}})") == R"(f.json: "mcpServers" is empty: expected {"mcpServers": {"NAME": {"command": ..., "args": [...]}}})");
  CHECK(error_of(R"({"mcpServers": {"a": "cat"}})").find("f.json: server 'a': expected an object") == 0);
  CHECK(error_of(R"({"mcpServers": {"a": {}}})") == R"(f.json: server 'a': "command" is missing (the stdio MCP server to run))");
  CHECK(error_of(R"({"mcpServers": {"a": {"command": ["x"]}}})") == R"(f.json: server 'a': "command": expected a string)");
  CHECK(error_of(R"({"mcpServers": {"a": {"command": "x", "args": [1]}}})") == R"(f.json: server 'a': "args": expected a string)");
  CHECK(error_of(R"({"mcpServers": {"a": {"command": "x", "args": ["a\u0000b"]}}})").find("NUL") != std::string::npos);
  CHECK(error_of(R"({"mcpServers": {"a": {"command": "x", "env": {"A=B": "1"}}}})").find("'A=B' is not a variable name") != std::string::npos);
  CHECK(error_of(R"({"mcpServers": {"a": {"command": "x", "type": "sse"}}})").find("only \"stdio\"") != std::string::npos);
  CHECK(error_of(R"({"mcpServers": {"a": {"url": "http://x"}}})").find("a remote server") != std::string::npos);
  CHECK(error_of(R"({"mcpServers": {"a": {"command": "x", "n": 1e99999}}})").rfind("f.json: ", 0) == 0);
}

TEST_CASE("mcp config: a name must be a safe path segment", "[mcp]") {
  for (const char* name : {"", ".", "..", "a/b", "a b", "a%2f", "é"}) {
    INFO(name);
    std::string text = std::string(R"({"mcpServers": {")") + name + R"(": {"command": "x"}}})";
    CHECK(error_of(text).find("the name must be a path segment") != std::string::npos);
  }
  CHECK(parse_mcp_config(R"({"mcpServers": {"My_server-2.0": {"command": "x"}}})", "f").servers.size() == 1);
}

TEST_CASE("mcp config: a cwd must be a directory", "[mcp]") {
  auto config = parse_mcp_config(R"({"mcpServers": {"a": {"command": "x", "cwd": "/etc/hostname"}}})", "f.json");
  CHECK_THROWS_WITH(check_mcp_config_dirs(config, "f.json"), "f.json: server 'a': cwd '/etc/hostname': not a directory");
  config.servers[0].cwd = "/";
  CHECK_NOTHROW(check_mcp_config_dirs(config, "f.json"));
}

TEST_CASE("mcp config: an entry becomes an endpoint, its program found in its own PATH or from its cwd", "[mcp]") {
  McpConfig config = parse_mcp_config(
      R"({"mcpServers": {"a": {"command": "sh", "args": ["-c", "x"], "env": {"PATH": "/usr/bin:/bin", "K": "v"}},)"
      R"( "b": {"command": "bin/sh", "cwd": "/"}}})", "servers.json");
  auto endpoints = config_endpoints(config, "servers.json", "/nonexistent");
  REQUIRE(endpoints.size() == 2);
  CHECK(endpoints[0].name == "a");
  CHECK(endpoints[0].path == "/a/mcp");
  CHECK(endpoints[0].program.size() > 3);
  CHECK(endpoints[0].program.substr(endpoints[0].program.size() - 3) == "/sh");  // found in the entry's PATH
  CHECK(endpoints[0].argv == std::vector<std::string>{"sh", "-c", "x"});
  CHECK(endpoints[0].env == std::vector<std::string>{"PATH=/usr/bin:/bin", "K=v"});
  CHECK(endpoints[1].program == "//bin/sh");  // relative to its cwd
  CHECK(endpoints[1].cwd == "/");

  McpConfig missing = parse_mcp_config(R"({"mcpServers": {"c": {"command": "no-such-program-here"}}})", "f.json");
  CHECK_THROWS_WITH(config_endpoints(missing, "f.json", "/usr/bin:/bin"),
                    Catch::Contains("f.json: server 'c': ") && Catch::Contains("no-such-program-here"));
}
