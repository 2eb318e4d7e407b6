// The one URL parser of ssetool's clients (`listen` and `bench`): http://HOST[:PORT][/PATH][?QUERY][#FRAGMENT]
// and the same with https, split into what a client needs to connect and to write its request line.
//
//   ssetool::Url url = ssetool::parse_url("http://[::1]:8080/events?x=1");
//   // url.host == "::1", url.port == 8080, url.authority == "[::1]:8080", url.target == "/events?x=1"
//
// A malformed URL throws InvalidUrl: its message is the client's ("invalid URL '...': why"); problem() says what
// is wrong so that a caller can word it its own way (bench does).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ssetool/base/errors.hpp"

namespace ssetool {

struct Url {
  std::string scheme;       // "http" or "https", in lower case
  std::string authority;    // host[:port] as written ("[::1]:8080" for IPv6): the Host header
  std::string host;         // without brackets: "127.0.0.1", "::1", "localhost"
  std::uint16_t port = 80;  // as written, else 80 for http and 443 for https
  std::string target;       // path and query, "/" when absent; the fragment is dropped
};

// What is wrong with a URL.
enum class UrlProblem {
  no_scheme,             // no "://"
  unsupported_scheme,    // a scheme other than http and https
  no_host,               // "http:///x", "http://:80/"
  credentials,           // user:password@
  unterminated_bracket,  // "http://[::1/"
  text_after_bracket,    // "http://[::1]x/"
  empty_port,            // "http://h:/"
  invalid_port,          // not a number from 1 to 65535; detail() is the port as written
  bad_target,            // a space or a control character in the path or query
};

struct InvalidUrl : InvalidArgument {
  InvalidUrl(std::string url, UrlProblem problem, std::string detail);
  const std::string& url() const { return url_; }
  UrlProblem problem() const { return problem_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string url_;
  UrlProblem problem_;
  std::string detail_;
};

// Throws InvalidUrl for anything but http://... and https://... with a host, an optional valid port, no
// user:password@, and no space or control character after the host.
Url parse_url(std::string_view text);

}  // namespace ssetool
