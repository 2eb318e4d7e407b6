// Unit tests for the request view handlers see: header names compared case-insensitively (first match wins),
// query parameters by exact name (first match wins), and the header look-up shared by every part.
#include <catch2/catch.hpp>

#include "ssetool/wire/headers.hpp"
#include "ssetool/wire/request.hpp"

using namespace ssetool;

TEST_CASE("headers: names compare case-insensitively, and only ASCII letters fold", "[request]") {
  CHECK(header_name_equals("Last-Event-ID", "last-event-id"));
  CHECK(header_name_equals("CONTENT-TYPE", "Content-Type"));
  CHECK(header_name_equals("", ""));
  CHECK_FALSE(header_name_equals("Accept", "Accept-Encoding"));
  CHECK_FALSE(header_name_equals("X-A", "X_A"));
  CHECK_FALSE(header_name_equals("\xC3\x89", "\xC3\xA9"));  // É and é: not ASCII, not folded
}

TEST_CASE("headers: find_header returns the first match's value, or nothing", "[request]") {
  Headers headers{{"Accept", "text/event-stream"}, {"X-Twice", "first"}, {"x-twice", "second"}, {"Empty", ""}};
  CHECK(find_header(headers, "accept") == "text/event-stream");
  CHECK(find_header(headers, "X-TWICE") == "first");
  CHECK(find_header(headers, "Empty") == "");
  CHECK_FALSE(find_header(headers, "Missing"));
  CHECK_FALSE(find_header(Headers{}, "Accept"));
}

TEST_CASE("request: header() is case-insensitive, param() is exact and takes the first", "[request]") {
  Request req;
  req.method = "GET";
  req.path = "/events";
  req.query_string = "lastEventId=7&a=1&a=2&Token=x";
  req.query = {{"lastEventId", "7"}, {"a", "1"}, {"a", "2"}, {"Token", "x"}};
  req.headers = {{"Authorization", "Bearer s"}, {"LAST-EVENT-ID", "9"}};
  CHECK(req.header("authorization") == "Bearer s");
  CHECK(req.header("Last-Event-ID") == "9");
  CHECK_FALSE(req.header("Origin"));
  CHECK(req.param("lastEventId") == "7");
  CHECK(req.param("a") == "1");
  CHECK_FALSE(req.param("lasteventid"));  // query parameter names are not folded
  CHECK_FALSE(req.param("token"));
  CHECK(req.param("Token") == "x");
}
