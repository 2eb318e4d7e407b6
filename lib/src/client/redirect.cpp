// Following a redirect (see client/redirect.hpp).
#include "ssetool/client/redirect.hpp"

#include <algorithm>
#include <cctype>

namespace ssetool {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// True when `location` starts with "SCHEME:" (letters, digits, + - . after a letter).
bool has_scheme(std::string_view location) {
  std::size_t colon = location.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(location[0]))) return false;
  return std::all_of(location.begin(), location.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
}

}  // namespace

bool is_redirect_status(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

Url resolve_location(const Url& base, std::string_view location) {
  if (has_scheme(location)) return parse_url(location);
  const std::string origin = base.scheme + "://" + base.authority;
  if (location.starts_with("//")) return parse_url(base.scheme + ":" + std::string(location));
  if (location.starts_with("/")) return parse_url(origin + std::string(location));
  std::string path = base.target.substr(0, base.target.find_first_of("?#"));
  path = path.substr(0, path.rfind('/') + 1);
  if (path.empty()) path = "/";
  if (location.empty() || location.starts_with("?") || location.starts_with("#")) {
    path = base.target.substr(0, base.target.find_first_of("?#"));
  }
  return parse_url(origin + path + std::string(location));
}

bool same_origin(const Url& a, const Url& b) {
  return a.scheme == b.scheme && iequal(a.host, b.host) && a.port == b.port;
}

std::string url_text(const Url& url) { return url.scheme + "://" + url.authority + url.target; }

std::string redirected_method(int status, const std::string& method) {
  if (status == 303 && method != "GET" && method != "HEAD") return "GET";
  if ((status == 301 || status == 302) && method == "POST") return "GET";
  return method;
}

}  // namespace ssetool
