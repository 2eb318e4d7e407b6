// DNS-rebinding protection for `serve --mcp` (the MCP transport's security warning): which Host and Origin
// headers a request may carry. On a loopback listen address the Host must name the listen address, a loopback
// name (localhost, 127.0.0.1, [::1]) or an --allow-host value; on any address an Origin, when present, must be the
// server's own (its host one of those names, or the request's own Host) or allowed by --cors. Decided before any
// child starts.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssetool/wire/request.hpp"

namespace ssetool {

struct AccessRules {
  bool check_host = true;                  // the server listens on a loopback address
  std::vector<std::string> allowed_hosts;  // lowercase host names, IPv6 in brackets, without a port
  std::vector<std::string> cors_origins;   // --cors ("*" allows every origin)
};

// The rules for a listen host ("127.0.0.1", "::1", "0.0.0.0"...) and the user's --allow-host and --cors values.
AccessRules access_rules(const std::string& listen_host, const std::vector<std::string>& allow_hosts,
                         const std::vector<std::string>& cors_origins);

// Why the request must be refused (403), or nothing when it may go on.
std::optional<std::string> access_refusal(const Request& req, const AccessRules& rules);

// The host name of a Host header value or of an origin's authority, lowercase, without the port
// ("LocalHost:8080" → "localhost", "[::1]:80" → "[::1]").
std::string host_name(std::string_view authority);

}  // namespace ssetool
