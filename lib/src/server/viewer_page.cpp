// The reply to GET / by `ssetool pipe` and `ssetool serve`: the viewer page with its configuration filled in.
// Whatever --path contains, nothing can leave the JSON string it is put in: the path is
// percent-encoded (it becomes the stream's URL as it is) and the JSON has every '<', '>' and '&' escaped, so
// "</script>" or "<!--" cannot appear in it. A Content-Security-Policy with a fresh nonce allows only the page's
// own script and style, and connections to its own origin.
#include "ssetool/server/viewer_page.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <random>
#include <string_view>

#include "ssetool/server/viewer_html.hpp"

namespace ssetool {

namespace {

// Every byte but an unreserved URL character or '/' becomes %XX, so the result is plain ASCII that the server
// decodes back to the same path.
std::string percent_encode_path(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// JSON that may sit inside a <script> element: ASCII only (invalid UTF-8 replaced), and no '<', '>' or '&'
// (those can only occur inside strings, where the \u escapes mean the same).
std::string script_safe_json(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

// 128 random bits in hex: a CSP nonce.
std::string random_nonce() {
  std::random_device random;
  std::string out;
  for (int i = 0; i < 4; ++i) out += fmt::format("{:08x}", random());
  return out;
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

Reply viewer_reply(const std::string& events_path) {
  std::string nonce = random_nonce();
  std::string page(viewer_html_template());
  replace_all(page, kViewerNoncePlaceholder, nonce);  // first: the configuration must not be searched
  nlohmann::json config = {{"path", percent_encode_path(events_path)}};
  page.replace(page.find(kViewerConfigPlaceholder), kViewerConfigPlaceholder.size(), script_safe_json(config));

  Reply reply = Reply::text(200, std::move(page));
  reply.content_type = "text/html; charset=utf-8";
  reply.headers.emplace_back("Cache-Control", "no-cache");
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  reply.headers.emplace_back("Referrer-Policy", "no-referrer");  // the page's URL may carry access_token
  reply.headers.emplace_back("Content-Security-Policy",
                             fmt::format("default-src 'none'; script-src 'nonce-{0}'; style-src 'nonce-{0}'; "
                                         "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'",
                                         nonce));
  return reply;
}

}  // namespace ssetool
