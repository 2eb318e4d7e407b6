// Listen addresses and header options (see server/server_options.hpp).
#include "ssetool/server/server_options.hpp"

#include <charconv>
#include <string_view>
#include <utility>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

int parse_port(const std::string& text, const std::string& whole) {
  int port = -1;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || port < 0 || port > 65535)
    throw InvalidArgument("--listen '" + whole + "': invalid port '" + text + "'");
  return port;
}

bool all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

// Takes "http://" or "https://" off the front of `rest`; any other scheme is refused.
ListenAddress::Scheme take_scheme(std::string& rest, const std::string& whole) {
  for (auto [prefix, scheme] : {std::pair{"http://", ListenAddress::http}, std::pair{"https://", ListenAddress::https}})
    if (rest.rfind(prefix, 0) == 0) {
      rest.erase(0, std::string_view(prefix).size());
      return scheme;
    }
  if (rest.find("://") != std::string::npos)
    throw InvalidArgument("--listen '" + whole + "': only http:// and https:// addresses can be listened on");
  return ListenAddress::no_scheme;
}

// Takes one trailing '/' off `rest`; a longer path is refused (the stream's path is --path).
void take_trailing_slash(std::string& rest, const std::string& whole) {
  auto slash = rest.find('/');
  if (slash == std::string::npos) return;
  if (slash + 1 != rest.size())
    throw InvalidArgument("--listen '" + whole + "': an address has no path (give the path with --path)");
  rest.pop_back();
}

}  // namespace

ListenAddress ListenAddress::parse(const std::string& text) {
  ListenAddress a;
  if (text.rfind("unix:", 0) == 0) {
    a.kind = unix_socket;
    a.path = text.substr(5);
    if (a.path.empty()) throw InvalidArgument("--listen '" + text + "': empty unix socket path");
    return a;
  }
  std::string rest = text;
  a.scheme = take_scheme(rest, text);
  take_trailing_slash(rest, text);
  int default_port = a.scheme == https ? 443 : 80;  // a URL without a port
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) throw InvalidArgument("--listen '" + text + "': expected [ADDRESS]:PORT");
    a.host = rest.substr(1, close - 1);
    std::string after = rest.substr(close + 1);
    if (after.empty() && a.scheme != no_scheme) a.port = default_port;
    else if (after.size() > 1 && after[0] == ':') a.port = parse_port(after.substr(1), text);
    else throw InvalidArgument("--listen '" + text + "': expected [ADDRESS]:PORT");
    return a;
  }
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    if (a.scheme != no_scheme && !rest.empty()) {
      a.host = rest;
      a.port = default_port;
    } else if (all_digits(rest)) {
      a.port = parse_port(rest, text);
    } else {
      throw InvalidArgument("--listen '" + text + "': expected HOST:PORT, :PORT or PORT");
    }
    return a;
  }
  a.host = colon == 0 ? "0.0.0.0" : rest.substr(0, colon);
  if (a.host.find(':') != std::string::npos)
    throw InvalidArgument("--listen '" + text + "': write IPv6 addresses in brackets, e.g. [::1]:8080");
  a.port = parse_port(rest.substr(colon + 1), text);
  return a;
}

std::pair<std::string, std::string> parse_header_option(const std::string& text) {
  if (text.find_first_of("\r\n") != std::string::npos)
    throw InvalidArgument("--header '" + text + "': CR or LF is not allowed in a header");
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0)
    throw InvalidArgument("--header '" + text + "': expected 'Name: value'");
  std::string name = text.substr(0, colon);
  for (char c : name)
    if (c <= ' ' || c == 127) throw InvalidArgument("--header '" + text + "': invalid header name");
  for (const char* framing : {"Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade"})
    if (header_name_equals(name, framing))
      throw InvalidArgument("--header '" + text + "': " + framing + " is the server's to set (framing or hop-by-hop)");
  std::size_t start = text.find_first_not_of(" \t", colon + 1);
  std::string value = start == std::string::npos ? "" : text.substr(start);
  for (char c : value)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 127)
      throw InvalidArgument("--header '" + name + "': control characters are not allowed in a header value");
  return {name, value};
}

void check_cors_origin(const std::string& origin) {
  if (origin.empty()) throw InvalidArgument("--cors: empty origin");
  for (char c : origin)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 127 || c == ',')
      throw InvalidArgument("--cors: control characters, spaces and commas are not allowed in an origin");
}

}  // namespace ssetool
