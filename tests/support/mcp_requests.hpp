// Raw MCP requests for the serve --mcp tests: the initialize request they send, a POST to /mcp, the messages of an
// SSE answer, and a session opened the way a client opens it (initialize, then notifications/initialized).
#pragma once

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sse_client.hpp"

namespace testsupport {

inline const std::string kMcpInitialize =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},)"
    R"("clientInfo":{"name":"raw","version":"1"}}})";

// POST /mcp with `body` as JSON, accepting both answers (unless `extra` has its own Accept), then `extra`.
inline HttpResponse mcp_post(int port, const std::string& body, Headers extra = {}) {
  Headers h{{"Content-Type", "application/json"}};
  if (!find_header(extra, "Accept")) h.emplace_back("Accept", "application/json, text/event-stream");
  h.insert(h.end(), extra.begin(), extra.end());
  return http_request(port, "POST", "/mcp", h, body);
}

// The data of every event of an SSE body that has data, as JSON.
inline std::vector<nlohmann::json> messages_of(const std::string& body) {
  std::vector<nlohmann::json> out;
  std::size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    std::size_t end = body.find('\n', pos);
    std::string data = body.substr(pos + 6, end - pos - 6);
    if (!data.empty()) out.push_back(nlohmann::json::parse(data));
    pos = end;
  }
  return out;
}

// Initializes a session and sends notifications/initialized (both with `extra`): the session's id.
inline std::string open_session(int port, Headers extra = {}, const std::string& initialize = kMcpInitialize) {
  auto init = mcp_post(port, initialize, extra);
  REQUIRE(init.status == 200);
  auto id = init.header("Mcp-Session-Id");
  REQUIRE(id);
  extra.emplace_back("Mcp-Session-Id", *id);
  REQUIRE(mcp_post(port, R"({"jsonrpc":"2.0","method":"notifications/initialized"})", extra).status == 202);
  return *id;
}

}  // namespace testsupport
