// Where `ssetool bench` connects: an http:// or https:// URL (parsed by the clients' parser, client/url.hpp, in bench's
// words) and its host resolved once to a socket address.
#pragma once

#include <string_view>
#include <vector>
#include <sys/socket.h>

#include "ssetool/client/url.hpp"

namespace ssetool {

// Parses http(s)://HOST[:PORT][/PATH[?QUERY]]. Throws InvalidArgument "URL '...': why" for anything else (another
// scheme, user:password@, a bad port...).
Url parse_bench_url(std::string_view url);

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// Resolves the URL's host (a numeric address, or a name through getaddrinfo). Throws SystemError naming it.
SocketAddress resolve(const Url& target);

// Every address of the URL's host, in getaddrinfo's order ("localhost" may give ::1, then 127.0.0.1). Throws
// SystemError naming it.
std::vector<SocketAddress> resolve_all(const Url& target);

}  // namespace ssetool
