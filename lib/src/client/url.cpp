// The URL parser of the clients (see client/url.hpp). It reads the URL left to right: scheme, authority (host and
// port), then the request target, and stops at the first problem.
#include "ssetool/client/url.hpp"

#include <cctype>
#include <charconv>

namespace ssetool {
namespace {

// The client's wording of each problem (bench words them its own way, see bench/target.cpp).
std::string describe(UrlProblem problem, const std::string& detail) {
  switch (problem) {
    case UrlProblem::no_scheme: return "it must start with http:// or https://";
    case UrlProblem::unsupported_scheme: return "only http and https are supported";
    case UrlProblem::no_host: return "no host";
    case UrlProblem::credentials:
      return "credentials in the URL are not supported (send an Authorization header with -H)";
    case UrlProblem::unterminated_bracket: return "unterminated '[' in the host";
    case UrlProblem::text_after_bracket: return "unexpected text after ']'";
    case UrlProblem::empty_port: return "empty port";
    case UrlProblem::invalid_port: return "invalid port '" + detail + "'";
    case UrlProblem::bad_target: return "spaces and line breaks must be %-encoded";
  }
  return "malformed";
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class UrlReader {
 public:
  explicit UrlReader(std::string_view text) : text_(text) {}

  Url read() {
    std::size_t scheme_end = text_.find("://");
    if (scheme_end == std::string_view::npos) fail(UrlProblem::no_scheme);
    url_.scheme = lowercase(text_.substr(0, scheme_end));
    if (url_.scheme != "http" && url_.scheme != "https") fail(UrlProblem::unsupported_scheme);
    url_.port = url_.scheme == "https" ? 443 : 80;
    std::string_view rest = text_.substr(scheme_end + 3);
    std::size_t authority_end = rest.find_first_of("/?#");
    read_authority(rest.substr(0, authority_end));
    read_target(authority_end == std::string_view::npos ? "" : rest.substr(authority_end));
    return url_;
  }

 private:
  [[noreturn]] void fail(UrlProblem problem, std::string detail = {}) {
    throw InvalidUrl(std::string(text_), problem, std::move(detail));
  }

  // "host", "host:port", "[v6]" or "[v6]:port".
  void read_authority(std::string_view authority) {
    if (authority.empty()) fail(UrlProblem::no_host);
    if (authority.find('@') != std::string_view::npos) fail(UrlProblem::credentials);
    url_.authority = std::string(authority);
    std::string_view host = authority;
    std::string_view after_host;
    if (authority[0] == '[') {
      std::size_t close = authority.find(']');
      if (close == std::string_view::npos) fail(UrlProblem::unterminated_bracket);
      host = authority.substr(1, close - 1);
      after_host = authority.substr(close + 1);
      if (!after_host.empty() && after_host[0] != ':') fail(UrlProblem::text_after_bracket);
    } else {
      std::size_t colon = authority.find(':');
      host = authority.substr(0, colon);
      if (colon != std::string_view::npos) after_host = authority.substr(colon);
    }
    if (host.empty()) fail(UrlProblem::no_host);
    url_.host = std::string(host);
    if (!after_host.empty()) read_port(after_host.substr(1));
  }

  void read_port(std::string_view text) {
    if (text.empty()) fail(UrlProblem::empty_port);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
      fail(UrlProblem::invalid_port, std::string(text));
    url_.port = static_cast<std::uint16_t>(value);
  }

  // What follows the authority: "", "/path...", "?query..." or "#fragment".
  void read_target(std::string_view target) {
    target = target.substr(0, target.find('#'));
    url_.target = target.empty() || target[0] != '/' ? "/" + std::string(target) : std::string(target);
    for (char c : url_.target)
      if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) fail(UrlProblem::bad_target);
  }

  std::string_view text_;
  Url url_;
};

}  // namespace

InvalidUrl::InvalidUrl(std::string url, UrlProblem problem, std::string detail)
    : InvalidArgument("invalid URL '" + url + "': " + describe(problem, detail)),
      url_(std::move(url)),
      problem_(problem),
      detail_(std::move(detail)) {}

Url parse_url(std::string_view text) { return UrlReader(text).read(); }

}  // namespace ssetool
