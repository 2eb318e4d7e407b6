// Unit tests of percent-decoding (wire/percent_decoding.hpp).
#include <catch2/catch.hpp>

#include "ssetool/wire/percent_decoding.hpp"

using ssetool::decode_query;
using ssetool::Headers;
using ssetool::percent_decode;

TEST_CASE("percent_decode: valid escapes decoded, invalid or cut-off ones kept", "[wire]") {
  CHECK(percent_decode("a%20b%2Fc%2fd", false) == "a b/c/d");
  CHECK(percent_decode("access%5Ftoken", true) == "access_token");
  CHECK(percent_decode("%zz%4", false) == "%zz%4");
  CHECK(percent_decode("100%", true) == "100%");
}

TEST_CASE("percent_decode: '+' is a space only in query strings", "[wire]") {
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("a+b", false) == "a+b");
  CHECK(percent_decode("a%2Bb", true) == "a+b");
}

TEST_CASE("decode_query: parameters in order, decoded, empty pieces skipped", "[wire]") {
  CHECK(decode_query("b=2&a=1&b=3") == Headers{{"b", "2"}, {"a", "1"}, {"b", "3"}});
  CHECK(decode_query("q=x+y%21&flag&&=v&e=") == Headers{{"q", "x y!"}, {"flag", ""}, {"", "v"}, {"e", ""}});
  CHECK(decode_query("").empty());
}
