// Refusals decided on a request's head (see server/early_refusal.hpp): 401 first (as the policy answers it),
// then 404 for a body sent where the application reads none.
#include "ssetool/server/early_refusal.hpp"

#include <algorithm>
#include <charconv>

#include "ssetool/server/policy.hpp"

namespace ssetool {
namespace {

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr == text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

// The head as the policy sees a request (no body): path, query parameters, headers.
Request request_of(const RequestHead& head) {
  Request r;
  r.method = head.method;
  r.path = percent_decode(head.path());
  r.query_string = head.query();
  std::string_view q = r.query_string;
  while (!q.empty()) {
    std::string_view piece = q.substr(0, q.find('&'));
    q.remove_prefix(std::min(q.size(), piece.size() + 1));
    std::size_t eq = piece.find('=');
    r.query.emplace_back(percent_decode(piece.substr(0, eq)),
                         eq == std::string_view::npos ? "" : percent_decode(piece.substr(eq + 1)));
  }
  r.headers = head.headers;
  return r;
}

}  // namespace

std::optional<EarlyRefusal> refuse_before_body(const RequestHead& head, const ServerOptions& options) {
  Request r = request_of(head);
  if (r.path == "/healthz" || (r.method == "OPTIONS" && !options.cors_origins.empty())) return std::nullopt;
  if (!authorized(r, options.token)) return EarlyRefusal{401, "Unauthorized", "WWW-Authenticate: Bearer\r\n"};
  if (options.body_path && !options.body_path(r.path)) return EarlyRefusal{404, "Not Found", ""};
  return std::nullopt;
}

}  // namespace ssetool
