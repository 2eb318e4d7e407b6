// Decisions the loop takes on a request's head alone, before reading any of its body: a request with a body
// that will be refused anyway is refused at once, and its body is never read or held: 401 without the --token,
// 404 for a path the application reads no body on (ServerOptions::body_path).
#pragma once

#include <optional>
#include <string>

#include "ssetool/server/request_framing.hpp"
#include "ssetool/server/server_options.hpp"

namespace ssetool {

struct EarlyRefusal {
  int status = 0;
  std::string reason;       // the status line's reason phrase
  std::string headers;      // extra header lines, each ending in CRLF
  std::string why;          // the body: one line saying why
};

std::optional<EarlyRefusal> refuse_before_body(const RequestHead& head, const ServerOptions& options);

}  // namespace ssetool
