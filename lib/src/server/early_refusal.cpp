// Refusals decided on a request's head (see server/early_refusal.hpp): 401 first (as the policy answers it),
// then 404 for a body sent where the application reads none.
#include "ssetool/server/early_refusal.hpp"

#include "ssetool/server/policy.hpp"
#include "ssetool/wire/percent_decoding.hpp"

namespace ssetool {
namespace {

// The head as the policy sees a request (no body): path, query parameters, headers.
Request request_of(const RequestHead& head) {
  Request r;
  r.method = head.method;
  r.path = percent_decode(head.path(), false);
  r.query_string = head.query();
  r.query = decode_query(r.query_string);
  r.headers = head.headers;
  return r;
}

}  // namespace

std::optional<EarlyRefusal> refuse_before_body(const RequestHead& head, const ServerOptions& options) {
  Request r = request_of(head);
  if (r.path == "/healthz" || (r.method == "OPTIONS" && !options.cors_origins.empty())) return std::nullopt;
  if (!allowed(r, options))
    return EarlyRefusal{401, "Unauthorized", "WWW-Authenticate: Bearer\r\n",
                        "unauthorized: a valid token is required (Authorization: Bearer, or access_token)"};
  if (options.body_path && !options.body_path(r.path))
    return EarlyRefusal{404, "Not Found", "", "not found: nothing at this path reads a request body"};
  return std::nullopt;
}

}  // namespace ssetool
