// Helpers for the serve --mcp tests that drop a POST's stream and resume it: the POST on a raw connection of its
// own, dropped once a given event has arrived, and the first message of a resumed stream.
#pragma once

#include <optional>
#include <string>

#include "raw_connection.hpp"
#include "sse_client.hpp"

namespace testsupport {

// Sends POST /mcp with `body` for `session` (SSE accepted) on a connection of its own and closes it once `until`
// has arrived; false if it never did.
inline bool post_then_drop(int port, const std::string& session, const std::string& body, const std::string& until) {
  RawConnection c(port);
  return c.send_all("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n"
                    "Mcp-Session-Id: " + session + "\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\n\r\n" + body) &&
         c.read_until(until);
}

// The first event of `stream` that carries data (the priming event has none).
inline std::optional<ssetool::ParsedEvent> first_message(SseClient& stream) {
  while (auto e = stream.next_event())
    if (!e->data.empty()) return e;
  return std::nullopt;
}

}  // namespace testsupport
