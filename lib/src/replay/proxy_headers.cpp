// Which headers `replay --record-from` passes on (see replay/proxy_headers.hpp).
#include "ssetool/replay/proxy_headers.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace ssetool {
namespace {

constexpr std::array<std::string_view, 9> kHopByHop = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te",         "trailer",    "transfer-encoding",  "upgrade"};

// Set by the forwarding side itself on the way up.
constexpr std::array<std::string_view, 3> kRequestOwn = {"host", "content-length", "accept-encoding"};

// Set by replay's server on the way back (as for a replayed tape: replay/recording_loader.cpp).
constexpr std::array<std::string_view, 8> kResponseOwn = {
    "content-type", "content-length", "content-encoding", "cache-control", "x-accel-buffering", "date",
    "access-control-allow-origin", "access-control-allow-credentials"};

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return header_name_equals(n, name); });
}

// The names a Connection header lists: they are hop-by-hop too.
std::vector<std::string> connection_options(const Headers& headers) {
  std::vector<std::string> names;
  for (const auto& [name, value] : headers) {
    if (!header_name_equals(name, "Connection")) continue;
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = std::min(value.find(',', start), value.size());
      std::string token = value.substr(start, comma - start);
      token.erase(0, token.find_first_not_of(" \t"));
      token.erase(token.find_last_not_of(" \t") + 1);
      if (!token.empty()) names.push_back(token);
      start = comma + 1;
    }
  }
  return names;
}

bool is_hop_by_hop(const std::vector<std::string>& options, std::string_view name) {
  return listed(kHopByHop, name) ||
         std::any_of(options.begin(), options.end(), [&](const std::string& o) { return header_name_equals(o, name); });
}

}  // namespace

Headers upstream_request_headers(const Headers& from_client) {
  std::vector<std::string> options = connection_options(from_client);
  Headers out;
  for (const auto& header : from_client)
    if (!is_hop_by_hop(options, header.first) && !listed(kRequestOwn, header.first)) out.push_back(header);
  out.emplace_back("Accept-Encoding", "identity");
  return out;
}

Headers client_response_headers(const Headers& from_upstream) {
  std::vector<std::string> options = connection_options(from_upstream);
  Headers out;
  for (const auto& header : from_upstream)
    if (!is_hop_by_hop(options, header.first) && !listed(kResponseOwn, header.first)) out.push_back(header);
  return out;
}

}  // namespace ssetool
