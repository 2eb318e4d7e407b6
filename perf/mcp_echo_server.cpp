// perf/mcp_echo_server.cpp — the stdio MCP server of scripts/bench's `mcp` scenario: newline-delimited JSON-RPC on
// stdin and stdout, one tool `echo` that returns its `text` argument. Small and fast on purpose, so that the bridge
// in front of it (ssetool serve --mcp, supergateway) is what the scenario measures, and so that 100 sessions (100 of
// these processes) cost little memory. It understands only what a well-formed client sends: initialize, ping,
// tools/list, tools/call; notifications and responses are ignored; any other request gets "method not found".
//
//   g++ -std=c++20 -O2 -o mcp_echo_server perf/mcp_echo_server.cpp
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <unistd.h>

namespace {

// Skips one JSON value starting at `i` (whitespace before it included); returns the index just past it.
size_t skipValue(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  int depth = 0;
  bool inString = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') {
        inString = false;
        if (depth == 0) return i + 1;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth <= 0) return depth < 0 ? i : i + 1;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
      return i;
    }
  }
  return i;
}

// The members of a JSON object, each key mapped to its value's raw text (strings keep their quotes and escapes).
// Keys are taken as written (no unescaping): enough for the plain ASCII keys of MCP.
std::map<std::string, std::string_view> members(std::string_view object) {
  std::map<std::string, std::string_view> out;
  size_t i = object.find('{');
  if (i == std::string_view::npos) return out;
  ++i;
  while (i < object.size()) {
    size_t keyStart = object.find('"', i);
    if (keyStart == std::string_view::npos) break;
    size_t keyEnd = skipValue(object, keyStart);
    std::string key(object.substr(keyStart + 1, keyEnd - keyStart - 2));
    size_t colon = object.find(':', keyEnd);
    if (colon == std::string_view::npos) break;
    size_t valueStart = colon + 1;
    while (valueStart < object.size() && object[valueStart] == ' ') ++valueStart;
    size_t valueEnd = skipValue(object, valueStart);
    out[key] = object.substr(valueStart, valueEnd - valueStart);
    i = object.find_first_of(",}", valueEnd);
    if (i == std::string_view::npos || object[i] == '}') break;
    ++i;
  }
  return out;
}

std::string_view member(std::string_view object, const std::string& key) {
  auto all = members(object);
  auto it = all.find(key);
  return it == all.end() ? std::string_view{} : it->second;
}

void send(const std::string& line) {
  std::string out = line + "\n";
  for (size_t done = 0; done < out.size();) {
    ssize_t n = ::write(1, out.data() + done, out.size() - done);
    if (n <= 0) std::_Exit(1); // the bridge is gone
    done += static_cast<size_t>(n);
  }
}

std::string result(std::string_view id, const std::string& body) {
  return "{\"jsonrpc\":\"2.0\",\"id\":" + std::string(id) + ",\"result\":" + body + "}";
}

std::string answer(std::string_view method, std::string_view params) {
  if (method == "\"initialize\"") {
    std::string_view version = member(params, "protocolVersion");
    return "{\"protocolVersion\":" + std::string(version.empty() ? "\"2025-06-18\"" : version) +
           ",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"bench-echo\",\"version\":\"1.0.0\"}}";
  }
  if (method == "\"ping\"") return "{}";
  if (method == "\"tools/list\"")
    return "{\"tools\":[{\"name\":\"echo\",\"description\":\"Returns its text\",\"inputSchema\":{\"type\":\"object\","
           "\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]}}]}";
  if (method == "\"tools/call\"") {
    std::string_view text = member(member(params, "arguments"), "text");
    return "{\"content\":[{\"type\":\"text\",\"text\":" + std::string(text.empty() ? "\"\"" : text) + "}]}";
  }
  return {};
}

} // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    auto message = members(line);
    auto id = message.find("id");
    auto method = message.find("method");
    if (id == message.end() || method == message.end()) continue; // a notification or a response
    auto params = message.find("params");
    std::string body = answer(method->second, params == message.end() ? std::string_view{} : params->second);
    if (body.empty())
      send("{\"jsonrpc\":\"2.0\",\"id\":" + std::string(id->second) +
           ",\"error\":{\"code\":-32601,\"message\":\"method not found\"}}");
    else
      send(result(id->second, body));
  }
  return 0;
}
