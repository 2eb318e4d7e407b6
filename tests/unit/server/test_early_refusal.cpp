// Unit tests for the refusals the loop decides on a request's head, before its body: 401 without the token.
#include <catch2/catch.hpp>

#include "ssetool/server/early_refusal.hpp"

using namespace ssetool;

namespace {

RequestHead head_of(const std::string& method, const std::string& target, Headers headers = {}) {
  RequestHead h;
  h.method = method;
  h.target = target;
  h.version = "HTTP/1.1";
  h.headers = std::move(headers);
  h.content_length = 10;
  return h;
}

}  // namespace

TEST_CASE("early refusal: 401 without the token, nothing without --token", "[early]") {
  ServerOptions open;
  CHECK_FALSE(refuse_before_body(head_of("POST", "/events"), open));

  ServerOptions locked;
  locked.token = "s3cret+/";
  auto refused = refuse_before_body(head_of("POST", "/events"), locked);
  REQUIRE(refused);
  CHECK(refused->status == 401);
  CHECK(refused->headers == "WWW-Authenticate: Bearer\r\n");
  CHECK_FALSE(refuse_before_body(head_of("POST", "/events", {{"Authorization", "Bearer s3cret+/"}}), locked));
  CHECK_FALSE(refuse_before_body(head_of("POST", "/events?a=1&access_token=s3cret%2B%2F"), locked));
  CHECK(refuse_before_body(head_of("POST", "/events?access_token=wrong"), locked));
  CHECK_FALSE(refuse_before_body(head_of("POST", "/healthz"), locked));
}

TEST_CASE("early refusal: 404 for a body where the application reads none, after auth", "[early]") {
  ServerOptions options;
  options.body_path = [](const std::string& path) { return path.rfind("/stdin/", 0) == 0; };
  CHECK_FALSE(refuse_before_body(head_of("POST", "/stdin/abc"), options));
  auto refused = refuse_before_body(head_of("POST", "/elsewhere"), options);
  REQUIRE(refused);
  CHECK(refused->status == 404);
  CHECK(refused->why == "not found: nothing at this path reads a request body");
  CHECK_FALSE(refuse_before_body(head_of("POST", "/healthz"), options));
  options.token = "t";
  auto unauthorized = refuse_before_body(head_of("POST", "/elsewhere"), options);
  REQUIRE(unauthorized);
  CHECK(unauthorized->status == 401);
  CHECK(unauthorized->why.starts_with("unauthorized: a valid token is required"));
}
