// The lines that tell a user why a client run failed, or why it tries again (for stderr): the message of a rejected
// response with the start of its body, the message of a failed connection with the reconnections made before it,
// and, before each wait to reconnect, what went wrong and what comes next.
//
//   "HTTP 401 Unauthorized: {\"error\":\"bad token\"}"
//   "connect 127.0.0.1:8080: connection refused (after 3 reconnection(s))"
//   "connect 127.0.0.1:8080: connection refused; retrying in 3s (attempt 2)"
#pragma once

#include <chrono>
#include <string>

#include "ssetool/client/client.hpp"

namespace ssetool {

// For ClientResult::Reason::rejected and failed; for the other reasons, the result's message as it is.
std::string failure_message(const ClientResult& result);

// "WHAT; retrying in DELAY (attempt N)" ("reconnecting" after a stream that had been accepted).
std::string retry_line(const RetryNotice& notice);

// A delay as a person writes it: "250ms", "3s", "4.7s".
std::string describe_delay(std::chrono::milliseconds delay);

// One line from the start of a body: invalid UTF-8 replaced, control characters as spaces, trimmed, at most 200
// bytes (cut between characters) and "..." when cut.
std::string body_excerpt(const std::string& body);

}  // namespace ssetool
