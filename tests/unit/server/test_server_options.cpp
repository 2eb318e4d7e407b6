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

TEST_CASE("listen addresses written as URLs, the way users type them", "[options]") {
  auto a = ListenAddress::parse("http://127.0.0.1:8080");
  CHECK((a.host == "127.0.0.1" && a.port == 8080 && a.scheme == ListenAddress::http));
  auto b = ListenAddress::parse("http://localhost:9000/");
  CHECK((b.host == "localhost" && b.port == 9000));
  auto c = ListenAddress::parse("https://[::1]:8443");
  CHECK((c.host == "::1" && c.port == 8443 && c.scheme == ListenAddress::https));
  CHECK(ListenAddress::parse("http://example.test").port == 80);
  CHECK(ListenAddress::parse("https://example.test/").port == 443);
  CHECK(ListenAddress::parse("https://[::1]").port == 443);
  auto d = ListenAddress::parse("localhost:8080/");
  CHECK((d.host == "localhost" && d.port == 8080 && d.scheme == ListenAddress::no_scheme));
  CHECK_THROWS_WITH(ListenAddress::parse("http://127.0.0.1:8080/events"), Catch::Contains("--path"));
  CHECK_THROWS_WITH(ListenAddress::parse("ftp://127.0.0.1:21"), Catch::Contains("only http:// and https://"));
  CHECK_THROWS_WITH(ListenAddress::parse("localhost"), Catch::Contains("expected HOST:PORT"));
  CHECK_THROWS_WITH(ListenAddress::parse("http://127.0.0.1:80800"), Catch::Contains("invalid port '80800'"));
  CHECK_THROWS_WITH(ListenAddress::parse("http://::1:8080"), Catch::Contains("brackets"));
  CHECK_THROWS_AS(ListenAddress::parse("http://"), InvalidArgument);
  CHECK_THROWS_AS(ListenAddress::parse("[::1]x"), InvalidArgument);
  CHECK_THROWS_AS(ListenAddress::parse("[::1]"), InvalidArgument);
}

TEST_CASE("header options", "[options]") {
  CHECK(ssetool::parse_header_option("X-A: b c") == std::pair<std::string, std::string>{"X-A", "b c"});
  CHECK_THROWS_AS(ssetool::parse_header_option("X-A b"), InvalidArgument);
  CHECK_THROWS_AS(ssetool::parse_header_option("X-A: b\r\nX-Evil: 1"), InvalidArgument);
}

TEST_CASE("header options: framing and hop-by-hop headers and control characters are refused", "[options]") {
  for (const char* h : {"Content-Length: 1", "transfer-encoding: chunked", "CONNECTION: close", "Keep-Alive: x",
                        "Upgrade: h2c"}) {
    INFO(h);
    CHECK_THROWS_AS(ssetool::parse_header_option(h), InvalidArgument);
  }
  CHECK_THROWS_WITH(ssetool::parse_header_option("Connection: close"), Catch::Contains("Connection"));
  CHECK_THROWS_AS(ssetool::parse_header_option(std::string("X-A: a\0b", 8)), InvalidArgument);
  CHECK_THROWS_AS(ssetool::parse_header_option("X-A: a\x7f"), InvalidArgument);
  CHECK(ssetool::parse_header_option("X-A: a\tb").second == "a\tb");
}

TEST_CASE("cors origins: one origin per value, no control characters", "[options]") {
  CHECK_NOTHROW(ssetool::check_cors_origin("*"));
  CHECK_NOTHROW(ssetool::check_cors_origin("https://a.example:8443"));
  for (const char* o : {"", "https://a.example\r\nX-Evil: 1", "a b", "https://a.example, https://b.example"}) {
    INFO(o);
    CHECK_THROWS_AS(ssetool::check_cors_origin(o), InvalidArgument);
  }
}
