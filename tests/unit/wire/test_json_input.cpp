// Unit tests for the guards on JSON input: the nesting limit (brackets inside strings do not count) and the
// messages made of nlohmann::json's exceptions.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ssetool/wire/json_input.hpp"

using ssetool::json_too_deep_at;

TEST_CASE("json nesting: the first bracket past the limit is found, strings do not count", "[json]") {
  constexpr auto npos = std::string_view::npos;
  CHECK(json_too_deep_at("[[1]]", 2) == npos);
  CHECK(json_too_deep_at("[[[1]]]", 2) == 2);
  CHECK(json_too_deep_at("{\"a\":{\"b\":[]}}", 2) == 10);
  CHECK(json_too_deep_at("[[]] [[]] [[]]", 2) == npos);  // depth goes down again
  CHECK(json_too_deep_at("[\"[[[[\"]", 2) == npos);       // inside a string
  CHECK(json_too_deep_at("[\"\\\"[[[\"]", 2) == npos);    // an escaped quote does not end the string
  CHECK(json_too_deep_at("[\"\\\\\",[[1]]]", 2) == 7);    // an escaped backslash does
  CHECK(json_too_deep_at("]]]][[", 2) == npos);           // stray closers do not make room
  CHECK(json_too_deep_at(std::string(512, '[')) == npos);
  CHECK(json_too_deep_at(std::string(513, '[')) == 512);
}

TEST_CASE("json errors: the library's message without its exception prefix", "[json]") {
  try {
    (void)nlohmann::json::parse("1e999");
    FAIL("no exception");
  } catch (const nlohmann::json::exception& e) {
    CHECK(ssetool::json_error_message(e) == "number overflow parsing '1e999'");
  }
  CHECK(ssetool::json_error_message(std::runtime_error("plain")) == "plain");
  CHECK(ssetool::json_too_deep_message(3) == "arrays and objects nested deeper than 3 levels");
}
