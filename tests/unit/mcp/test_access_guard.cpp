// Unit tests for serve --mcp's DNS-rebinding protection (mcp/access_guard.hpp) and its event ids.
#include <catch2/catch.hpp>

#include "ssetool/mcp/access_guard.hpp"
#include "ssetool/mcp/mcp_session.hpp"

using namespace ssetool;

namespace {

Request with_headers(Headers headers) {
  Request r;
  r.method = "POST";
  r.path = "/mcp";
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("mcp access: on loopback only the server's own names pass as Host", "[mcp]") {
  AccessRules rules = access_rules("127.0.0.1", {"mcp.internal"}, {});
  CHECK(rules.check_host);
  for (const char* host : {"127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:9", "mcp.internal:80"})
    CHECK_FALSE(access_refusal(with_headers({{"Host", host}}), rules));
  CHECK(access_refusal(with_headers({{"Host", "evil.example:8080"}}), rules));
  CHECK(access_refusal(with_headers({{"Host", "127.0.0.1.evil.example"}}), rules));
  CHECK(access_refusal(with_headers({}), rules));  // no Host at all
}

TEST_CASE("mcp access: an Origin must be the server's own or allowed by --cors", "[mcp]") {
  AccessRules rules = access_rules("127.0.0.1", {}, {"https://app.example"});
  auto origin = [&](const char* o) {
    return access_refusal(with_headers({{"Host", "localhost"}, {"Origin", o}}), rules);
  };
  CHECK_FALSE(origin("http://localhost:8080"));
  CHECK_FALSE(origin("http://127.0.0.1:3000"));
  CHECK_FALSE(origin("https://app.example"));
  CHECK(origin("http://evil.example"));
  CHECK(origin("null"));
  CHECK(origin("https://app.example.evil"));
}

TEST_CASE("mcp access: on another address the Host is not checked, the Origin still is", "[mcp]") {
  AccessRules rules = access_rules("0.0.0.0", {}, {});
  CHECK_FALSE(rules.check_host);
  CHECK_FALSE(access_refusal(with_headers({{"Host", "mcp.example.com"}}), rules));
  CHECK(access_refusal(with_headers({{"Host", "mcp.example.com"}, {"Origin", "http://evil.example"}}), rules));
  CHECK(access_refusal(with_headers({{"Host", "evil.example"}, {"Origin", "http://evil.example"}}), rules));
}

TEST_CASE("mcp access: host names lose their port and case", "[mcp]") {
  CHECK(host_name("LocalHost:8080") == "localhost");
  CHECK(host_name("[::1]:80") == "[::1]");
  CHECK(host_name("example.com") == "example.com");
}

TEST_CASE("mcp event ids: STREAM-SEQ, anything else refused", "[mcp]") {
  CHECK(parse_event_id("3-17") == std::make_pair<std::uint64_t, std::uint64_t>(3, 17));
  CHECK(parse_event_id("0-0") == std::make_pair<std::uint64_t, std::uint64_t>(0, 0));
  for (const char* bad : {"", "3", "-1", "3-", "a-1", "3-1x", "1-2-3"}) CHECK_FALSE(parse_event_id(bad));
}
