// Unit tests of redirect following (client/redirect.hpp): resolving Location against the URL that answered,
// the origin comparison that decides whether the request headers go along, and the method after a redirect.
#include <catch2/catch.hpp>

#include "ssetool/client/redirect.hpp"

using ssetool::parse_url;
using ssetool::resolve_location;
using ssetool::url_text;

TEST_CASE("a Location is resolved against the URL that answered", "[client]") {
  const ssetool::Url base = parse_url("http://a.example:8080/x/y?q=1");
  CHECK(url_text(resolve_location(base, "https://b.example/e")) == "https://b.example/e");
  CHECK(url_text(resolve_location(base, "HTTP://b.example:81")) == "http://b.example:81/");
  CHECK(url_text(resolve_location(base, "//c.example/z")) == "http://c.example/z");
  CHECK(url_text(resolve_location(base, "/root?k")) == "http://a.example:8080/root?k");
  CHECK(url_text(resolve_location(base, "z")) == "http://a.example:8080/x/z");
  CHECK(url_text(resolve_location(base, "?k=2")) == "http://a.example:8080/x/y?k=2");
  CHECK(url_text(resolve_location(base, "/f#frag")) == "http://a.example:8080/f");
  CHECK_THROWS_AS(resolve_location(base, "ftp://a.example/"), ssetool::InvalidUrl);
  CHECK_THROWS_AS(resolve_location(base, "/bad path"), ssetool::InvalidUrl);
}

TEST_CASE("an origin is the scheme, the host (any case) and the port", "[client]") {
  using ssetool::same_origin;
  CHECK(same_origin(parse_url("http://h:80/a"), parse_url("http://H/b")));
  CHECK(same_origin(parse_url("https://h/a"), parse_url("https://h:443/")));
  CHECK_FALSE(same_origin(parse_url("http://h/"), parse_url("https://h/")));
  CHECK_FALSE(same_origin(parse_url("http://127.0.0.1:1000/"), parse_url("http://127.0.0.1:1001/")));
  CHECK_FALSE(same_origin(parse_url("http://a.example/"), parse_url("http://b.example/")));
}

TEST_CASE("303, and 301 or 302 after POST, continue with GET, 307 and 308 keep the method", "[client]") {
  using ssetool::redirected_method;
  CHECK(redirected_method(303, "POST") == "GET");
  CHECK(redirected_method(303, "HEAD") == "HEAD");
  CHECK(redirected_method(302, "POST") == "GET");
  CHECK(redirected_method(301, "PUT") == "PUT");
  CHECK(redirected_method(307, "POST") == "POST");
  CHECK(redirected_method(308, "POST") == "POST");
  CHECK(ssetool::is_redirect_status(308));
  CHECK_FALSE(ssetool::is_redirect_status(304));
}
