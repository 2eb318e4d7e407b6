// Host and Origin checks of `serve --mcp` (see mcp/access_guard.hpp).
#include "ssetool/mcp/access_guard.hpp"

#include <algorithm>
#include <cctype>

namespace ssetool {
namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

}  // namespace

std::string host_name(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    std::size_t end = authority.find(']');
    return lowercase(authority.substr(0, end == std::string_view::npos ? authority.size() : end + 1));
  }
  return lowercase(authority.substr(0, authority.find(':')));
}

AccessRules access_rules(const std::string& listen_host, const std::vector<std::string>& allow_hosts,
                         const std::vector<std::string>& cors_origins) {
  AccessRules rules;
  rules.check_host = is_loopback(listen_host);
  rules.allowed_hosts = {"localhost", "127.0.0.1", "[::1]"};
  std::string listen = lowercase(listen_host);
  if (listen.find(':') != std::string::npos && listen.front() != '[') listen = "[" + listen + "]";
  if (!listen.empty()) rules.allowed_hosts.push_back(listen);
  for (const auto& h : allow_hosts) rules.allowed_hosts.push_back(host_name(h));
  rules.cors_origins = cors_origins;
  return rules;
}

std::optional<std::string> access_refusal(const Request& req, const AccessRules& rules) {
  auto host = req.header("Host");
  if (rules.check_host) {
    if (!host) return "no Host header (required on a loopback address, against DNS rebinding)";
    if (!contains(rules.allowed_hosts, host_name(*host)))
      return "Host '" + host_name(*host) + "' is not this server (allow it with --allow-host)";
  }
  auto origin = req.header("Origin");
  if (!origin) return std::nullopt;
  if (contains(rules.cors_origins, "*") || contains(rules.cors_origins, *origin)) return std::nullopt;
  std::size_t scheme_end = origin->find("://");
  if (scheme_end != std::string::npos) {
    std::string name = host_name(std::string_view(*origin).substr(scheme_end + 3));
    if (contains(rules.allowed_hosts, name)) return std::nullopt;
  }
  return "Origin is not this server's own (allow it with --cors)";
}

}  // namespace ssetool
