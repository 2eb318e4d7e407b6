// Tests of the clients' URL parser (lib/include/ssetool/client/url.hpp): what it splits out, what it refuses and
// how it names the problem, and bench's wording of the same problems (bench/target.hpp).
#include <catch2/catch.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/bench/target.hpp"
#include "ssetool/client/url.hpp"

using ssetool::parse_url;
using ssetool::UrlProblem;

namespace {

UrlProblem problem_of(const char* text) {
  try {
    parse_url(text);
  } catch (const ssetool::InvalidUrl& e) {
    return e.problem();
  }
  FAIL("no InvalidUrl for " << text);
  return UrlProblem::no_scheme;
}

}  // namespace

TEST_CASE("parse_url splits http(s) URLs and refuses the rest", "[client][url]") {
  ssetool::Url url = ssetool::parse_url("https://Example.com:8443/a/b?c=d#frag");
  CHECK(url.scheme == "https");
  CHECK(url.authority == "Example.com:8443");
  CHECK(url.target == "/a/b?c=d");
  CHECK(ssetool::parse_url("http://[::1]:8080").target == "/");
  CHECK(ssetool::parse_url("HTTP://h?x=1").target == "/?x=1");
  CHECK_THROWS_AS(ssetool::parse_url("ftp://h/"), ssetool::InvalidArgument);
  CHECK_THROWS_AS(ssetool::parse_url("localhost:8080/events"), ssetool::InvalidArgument);
  CHECK_THROWS_AS(ssetool::parse_url("http:///events"), ssetool::InvalidArgument);
  CHECK_THROWS_AS(ssetool::parse_url("http://user:pw@h/"), ssetool::InvalidArgument);
  CHECK_THROWS_AS(ssetool::parse_url("http://h/a b"), ssetool::InvalidArgument);
}

TEST_CASE("parse_url: host and port, with the scheme's default port", "[client][url]") {
  struct Case {
    const char* text;
    const char* host;
    std::uint16_t port;
    const char* authority;
    const char* target;
  };
  for (const Case& c : {Case{"https://Example.com:8443/a", "Example.com", 8443, "Example.com:8443", "/a"},
                        Case{"https://example.com/a", "example.com", 443, "example.com", "/a"},
                        Case{"http://localhost", "localhost", 80, "localhost", "/"},
                        Case{"http://[::1]:9000?a=b#f", "::1", 9000, "[::1]:9000", "/?a=b"},
                        Case{"http://[::1]/x#", "::1", 80, "[::1]", "/x"},
                        Case{"http://h#frag", "h", 80, "h", "/"}}) {
    INFO(c.text);
    ssetool::Url url = parse_url(c.text);
    CHECK(url.host == c.host);
    CHECK(url.port == c.port);
    CHECK(url.authority == c.authority);
    CHECK(url.target == c.target);
  }
}

TEST_CASE("parse_url names each problem", "[client][url]") {
  CHECK(problem_of("localhost:8080/events") == UrlProblem::no_scheme);
  CHECK(problem_of("ftp://h/") == UrlProblem::unsupported_scheme);
  CHECK(problem_of("http://") == UrlProblem::no_host);
  CHECK(problem_of("http:///events") == UrlProblem::no_host);
  CHECK(problem_of("http://:80/") == UrlProblem::no_host);
  CHECK(problem_of("http://[]:80/") == UrlProblem::no_host);
  CHECK(problem_of("http://u:p@h/") == UrlProblem::credentials);
  CHECK(problem_of("http://[::1/") == UrlProblem::unterminated_bracket);
  CHECK(problem_of("http://[::1]x/") == UrlProblem::text_after_bracket);
  CHECK(problem_of("http://h:/") == UrlProblem::empty_port);
  CHECK(problem_of("http://[::1]:/") == UrlProblem::empty_port);
  for (const char* port : {"0", "65536", "8x", "-1", "99999999999"}) {
    INFO(port);
    CHECK(problem_of(("http://h:" + std::string(port) + "/").c_str()) == UrlProblem::invalid_port);
  }
  for (const char* target : {"/a b", "/a\tb", "/a\rb", "/a\nb", "?q=\x7f", "/\x01"}) {
    INFO(target);
    CHECK(problem_of(("http://h" + std::string(target)).c_str()) == UrlProblem::bad_target);
  }
}

TEST_CASE("parse_url's messages name the URL and say what is wrong", "[client][url]") {
  using Catch::Equals;
  CHECK_THROWS_WITH(parse_url("localhost/x"),
                    Equals("invalid URL 'localhost/x': it must start with http:// or https://"));
  CHECK_THROWS_WITH(parse_url("ftp://h/"), Equals("invalid URL 'ftp://h/': only http and https are supported"));
  CHECK_THROWS_WITH(parse_url("http:///x"), Equals("invalid URL 'http:///x': no host"));
  CHECK_THROWS_WITH(parse_url("http://u@h/"),
                    Equals("invalid URL 'http://u@h/': credentials in the URL are not supported (send an "
                           "Authorization header with -H)"));
  CHECK_THROWS_WITH(parse_url("http://h:0/"), Equals("invalid URL 'http://h:0/': invalid port '0'"));
  CHECK_THROWS_WITH(parse_url("http://h/a b"),
                    Equals("invalid URL 'http://h/a b': spaces and line breaks must be %-encoded"));
  try {
    parse_url("http://h:8x/");
    FAIL("no exception");
  } catch (const ssetool::InvalidUrl& e) {
    CHECK(e.url() == "http://h:8x/");
    CHECK(e.detail() == "8x");
  }
}

TEST_CASE("bench words the same problems its own way", "[client][url][bench]") {
  using Catch::Equals;
  using ssetool::parse_bench_url;
  CHECK_THROWS_WITH(parse_bench_url("ftp://h/"),
                    Equals("URL 'ftp://h/': expected http://HOST[:PORT]/PATH or https://..."));
  CHECK_THROWS_WITH(parse_bench_url("h/x"), Equals("URL 'h/x': expected http://HOST[:PORT]/PATH or https://..."));
  CHECK_THROWS_WITH(parse_bench_url("https://u@h/"), Equals("URL 'https://u@h/': user:password@ is not supported"));
  CHECK_THROWS_WITH(parse_bench_url("http://u:p@h/"), Equals("URL 'http://u:p@h/': user:password@ is not supported"));
  CHECK_THROWS_WITH(parse_bench_url("http://h:99999/"), Equals("URL 'http://h:99999/': invalid port '99999'"));
  CHECK_THROWS_WITH(parse_bench_url("http://h:/"), Equals("URL 'http://h:/': empty port"));
  CHECK_THROWS_WITH(parse_bench_url("http://[::1/"), Equals("URL 'http://[::1/': unterminated '[' in the host"));
  CHECK_THROWS_WITH(parse_bench_url("http://[::1]x/"), Equals("URL 'http://[::1]x/': unexpected text after ']'"));
  CHECK_THROWS_WITH(parse_bench_url("http://:1/"), Equals("URL 'http://:1/': no host"));
  CHECK_THROWS_WITH(parse_bench_url("http://h/a\tb"),
                    Equals("URL 'http://h/a\tb': spaces or control characters in the path"));
  ssetool::Url url = parse_bench_url("http://127.0.0.1:8080/events");
  CHECK(url.host == "127.0.0.1");
  CHECK(url.port == 8080);
}
