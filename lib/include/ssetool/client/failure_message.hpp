// The one line that tells a user why a client run failed (for stderr): the message of a rejected response with the
// start of its body, or the message of a failed connection with the reconnections made before it.
//
//   "HTTP 401 Unauthorized: {\"error\":\"bad token\"}"
//   "connection failed: cannot connect (after 3 reconnection(s))"
#pragma once

#include <string>

#include "ssetool/client/client.hpp"

namespace ssetool {

// For ClientResult::Reason::rejected and failed; for the other reasons, the result's message as it is.
std::string failure_message(const ClientResult& result);

// One line from the start of a body: invalid UTF-8 replaced, control characters as spaces, trimmed, at most 200
// bytes (cut between characters) and "..." when cut.
std::string body_excerpt(const std::string& body);

}  // namespace ssetool
