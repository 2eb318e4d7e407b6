// Unit tests for listen addresses and -H header options.
#include <catch2/catch.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/server/server_options.hpp"

using ssetool::InvalidArgument;
using ssetool::ListenAddress;

TEST_CASE("listen addresses", "[options]") {
  auto a = ListenAddress::parse("127.0.0.1:9000");
  CHECK((a.host == "127.0.0.1" && a.port == 9000));
  auto b = ListenAddress::parse(":0");
  CHECK((b.host == "0.0.0.0" && b.port == 0));
  auto c = ListenAddress::parse("[::1]:80");
  CHECK((c.host == "::1" && c.port == 80));
  auto d = ListenAddress::parse("unix:/tmp/s.sock");
  CHECK((d.kind == ListenAddress::unix_socket && d.path == "/tmp/s.sock"));
  CHECK(ListenAddress::parse("8081").port == 8081);
  CHECK_THROWS_AS(ListenAddress::parse("host:99999"), InvalidArgument);
  CHECK_THROWS_AS(ListenAddress::parse("::1:80"), InvalidArgument);
  CHECK_THROWS_AS(ListenAddress::parse("unix:"), InvalidArgument);
  CHECK_THROWS_AS(ListenAddress::parse("host:"), InvalidArgument);
}

TEST_CASE("header options", "[options]") {
  CHECK(ssetool::parse_header_option("X-A: b c") == std::pair<std::string, std::string>{"X-A", "b c"});
  CHECK_THROWS_AS(ssetool::parse_header_option("X-A b"), InvalidArgument);
  CHECK_THROWS_AS(ssetool::parse_header_option("X-A: b\r\nX-Evil: 1"), InvalidArgument);
}
