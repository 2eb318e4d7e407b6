// Where `ssetool bench` connects: a plain http:// URL split into what the load client needs (host, port,
// the request target, the Host header) and the host resolved once to a socket address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <sys/socket.h>

namespace ssetool {

struct BenchTarget {
  std::string url;          // as given
  std::string host;         // without brackets: "127.0.0.1", "::1", "localhost"
  std::uint16_t port = 80;
  std::string host_header;  // host[:port] as written in the URL
  std::string target;       // path and query, "/" when absent; the fragment is dropped
};

// Parses http://HOST[:PORT][/PATH[?QUERY]]. Throws InvalidArgument naming the URL for anything else (https,
// user:password@, a bad port...).
BenchTarget parse_bench_url(std::string_view url);

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// Resolves the target's host (a numeric address, or a name through getaddrinfo). Throws SystemError naming it.
SocketAddress resolve(const BenchTarget& target);

}  // namespace ssetool
