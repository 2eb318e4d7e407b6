// Unit tests of the reconnection delay rule (client/reconnect_delay.hpp): the floor, the backoff after failed
// attempts in a row, its cap, the jitter's range, and that the server's reconnection time is never shortened.
#include <catch2/catch.hpp>

#include "ssetool/client/reconnect_delay.hpp"

using namespace std::chrono_literals;
using ssetool::reconnect_delay;

TEST_CASE("reconnect delay after an accepted stream is the reconnection time, floored at 100 ms", "[client]") {
  CHECK(reconnect_delay(0ms, 0, 0.5) == 100ms);
  CHECK(reconnect_delay(20ms, 0, 0.99) == 100ms);
  CHECK(reconnect_delay(3000ms, 0, 0.0) == 3000ms);
  CHECK(reconnect_delay(3600s, 0, 0.7) == 3600s);
}

TEST_CASE("reconnect delay doubles with jitter after failed attempts, up to 30 s", "[client]") {
  // F failures: between half and all of min(T * 2^F, 30 s), and never below T.
  CHECK(reconnect_delay(100ms, 1, 0.0) == 100ms);
  CHECK(reconnect_delay(100ms, 1, 0.999) >= 199ms);
  CHECK(reconnect_delay(100ms, 1, 0.999) <= 200ms);
  CHECK(reconnect_delay(100ms, 3, 0.0) == 400ms);
  CHECK(reconnect_delay(100ms, 3, 0.999) <= 800ms);
  CHECK(reconnect_delay(0ms, 2, 0.0) == 200ms);  // the floor is the base of the backoff
  for (std::uint64_t failures : {10u, 64u, 1000u, 1'000'000u}) {
    CHECK(reconnect_delay(100ms, failures, 0.999) <= 30s);
    CHECK(reconnect_delay(100ms, failures, 0.0) == 15s);
  }
}

TEST_CASE("reconnect delay never shortens a reconnection time above the cap", "[client]") {
  CHECK(reconnect_delay(60s, 1, 0.0) == 60s);
  CHECK(reconnect_delay(60s, 50, 0.999) == 60s);
  CHECK(reconnect_delay(20s, 5, 0.0) == 20s);  // half of the 30 s cap would be less than T
  CHECK(reconnect_delay(20s, 5, 0.999) <= 30s);
}
