// The CGI-style environment of a `serve` child: the parent's environment (or only PATH) plus variables that
// describe the request that started it — REQUEST_METHOD, REQUEST_URI, SCRIPT_NAME, PATH_INFO, QUERY_STRING,
// REMOTE_ADDR, REMOTE_PORT, SERVER_PORT, HTTP_<NAME> for each request header, LAST_EVENT_ID and SSE_SESSION_ID.
// Credentials (the Authorization header, the access_token query parameter) are withheld unless asked for, and
// a `Proxy` header never becomes HTTP_PROXY (which many programs would take as their proxy setting).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssetool/wire/request.hpp"

namespace ssetool {

struct CgiOptions {
  std::string script_name;                   // the stream's base path (--path); PATH_INFO is what follows it
  std::string session_id;                    // SSE_SESSION_ID
  std::optional<std::string> last_event_id;  // LAST_EVENT_ID, when the client sent one
  bool pass_auth = false;                    // also pass Authorization and access_token
  bool clear = false;                        // start from PATH alone instead of the parent's environment
};

// "NAME=value" entries for the child. A variable set here replaces one of the same name from `parent`.
std::vector<std::string> cgi_environment(const Request& request, const CgiOptions& options,
                                         const std::vector<std::string>& parent);

// The variable for a request header: "X-Forwarded-For" → "HTTP_X_FORWARDED_FOR" (every character that is not a
// letter or digit becomes '_').
std::string cgi_header_variable(std::string_view header_name);

// This process's environment as "NAME=value" entries.
std::vector<std::string> current_environment();

}  // namespace ssetool
