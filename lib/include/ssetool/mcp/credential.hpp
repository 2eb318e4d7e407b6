// What binds an MCP session to the credential that created it: a SHA-256 digest (hex) of the token a request
// carries (Authorization: Bearer, or access_token), never the token itself; "" for a request without one.
#pragma once

#include <string>

#include "ssetool/wire/request.hpp"

namespace ssetool {

std::string credential_of(const Request& req);

}  // namespace ssetool
