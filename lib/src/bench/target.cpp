// Parsing and resolving the URL `ssetool bench` loads (see bench/target.hpp).
#include "ssetool/bench/target.hpp"

#include <cctype>
#include <cstring>
#include <netdb.h>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

// Bench's wording of what is wrong with a URL (its messages predate the shared parser).
std::string describe(const InvalidUrl& e) {
  switch (e.problem()) {
    case UrlProblem::no_scheme:
    case UrlProblem::unsupported_scheme: return "expected http://HOST[:PORT]/PATH or https://...";
    case UrlProblem::no_host: return "no host";
    case UrlProblem::credentials: return "user:password@ is not supported";
    case UrlProblem::unterminated_bracket: return "unterminated '[' in the host";
    case UrlProblem::text_after_bracket: return "unexpected text after ']'";
    case UrlProblem::empty_port: return "empty port";
    case UrlProblem::invalid_port: return "invalid port '" + e.detail() + "'";
    case UrlProblem::bad_target: return "spaces or control characters in the path";
  }
  return "malformed";
}

[[noreturn]] void bad_url(std::string_view url, const std::string& why) {
  throw InvalidArgument("URL '" + std::string(url) + "': " + why);
}

}  // namespace

Url parse_bench_url(std::string_view url) {
  try {
    return parse_url(url);
  } catch (const InvalidUrl& e) {
    bad_url(url, describe(e));
  }
}

std::vector<SocketAddress> resolve_all(const Url& target) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(target.port);
  int rc = getaddrinfo(target.host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr)
    throw SystemError("cannot resolve host '" + target.host + "': " + gai_strerror(rc));
  std::vector<SocketAddress> addresses;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    SocketAddress address;
    std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
    address.length = a->ai_addrlen;
    addresses.push_back(address);
  }
  freeaddrinfo(found);
  return addresses;
}

SocketAddress resolve(const Url& target) { return resolve_all(target).front(); }

}  // namespace ssetool
