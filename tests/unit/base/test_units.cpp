// Unit tests for duration and size parsing.
#include <catch2/catch.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"

using namespace std::chrono_literals;
using ssetool::parse_duration;
using ssetool::parse_size;

TEST_CASE("durations need a unit, except zero", "[units]") {
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("15s") == 15s);
  CHECK(parse_duration("2m") == 120s);
  CHECK(parse_duration("1.5s") == 1500ms);
  CHECK(parse_duration("0") == 0us);
  CHECK(parse_duration("1h") == 3600s);
  CHECK_THROWS_AS(parse_duration("15"), ssetool::InvalidArgument);
  CHECK_THROWS_AS(parse_duration("s"), ssetool::InvalidArgument);
  CHECK_THROWS_AS(parse_duration("-1s"), ssetool::InvalidArgument);
  CHECK_THROWS_AS(parse_duration("3 days"), ssetool::InvalidArgument);
}

TEST_CASE("sizes accept binary units", "[units]") {
  CHECK(parse_size("1024") == 1024);
  CHECK(parse_size("4MiB") == 4u << 20);
  CHECK(parse_size("512KiB") == 512u << 10);
  CHECK(parse_size("1GiB") == 1ull << 30);
  CHECK_THROWS_AS(parse_size("4 MiB"), ssetool::InvalidArgument);
  CHECK_THROWS_AS(parse_size("lots"), ssetool::InvalidArgument);
}
