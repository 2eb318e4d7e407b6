// Parsing and resolving the URL `ssetool bench` loads (see bench/target.hpp).
#include "ssetool/bench/target.hpp"

#include <charconv>
#include <cstring>
#include <netdb.h>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

[[noreturn]] void bad_url(std::string_view url, const std::string& why) {
  throw InvalidArgument("URL '" + std::string(url) + "': " + why);
}

std::uint16_t parse_port(std::string_view url, std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
    bad_url(url, "invalid port '" + std::string(text) + "'");
  return static_cast<std::uint16_t>(value);
}

// Splits "host", "host:port", "[v6]" or "[v6]:port" into the target.
void parse_authority(std::string_view url, std::string_view authority, BenchTarget& t) {
  if (authority.find('@') != std::string_view::npos) bad_url(url, "user:password@ is not supported");
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) bad_url(url, "unterminated '[' in the host");
    t.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') bad_url(url, "unexpected text after ']'");
      port = rest.substr(1);
      if (port.empty()) bad_url(url, "empty port");
    }
  } else {
    std::size_t colon = authority.find(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) bad_url(url, "empty port");
    }
  }
  if (t.host.empty()) bad_url(url, "no host");
  if (!port.empty()) t.port = parse_port(url, port);
}

}  // namespace

BenchTarget parse_bench_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, 8) == "https://") bad_url(url, "https is not supported by bench (plain http:// only)");
  if (url.substr(0, kScheme.size()) != kScheme) bad_url(url, "expected http://HOST[:PORT]/PATH");
  BenchTarget t;
  t.url = std::string(url);
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('#'));
  std::size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  parse_authority(url, authority, t);
  t.host_header = std::string(authority);
  t.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (t.target[0] == '?') t.target.insert(0, "/");
  for (char c : t.target)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) bad_url(url, "spaces or control characters in the path");
  return t;
}

SocketAddress resolve(const BenchTarget& target) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(target.port);
  int rc = getaddrinfo(target.host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr)
    throw SystemError("cannot resolve host '" + target.host + "': " + gai_strerror(rc));
  SocketAddress address;
  std::memcpy(&address.storage, found->ai_addr, found->ai_addrlen);
  address.length = found->ai_addrlen;
  freeaddrinfo(found);
  return address;
}

}  // namespace ssetool
