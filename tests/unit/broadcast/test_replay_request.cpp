// Unit tests of the `replay-last` query parameter of a stream request (broadcast/replay_request.hpp).
#include <catch2/catch.hpp>

#include <limits>

#include "ssetool/base/errors.hpp"
#include "ssetool/broadcast/replay_request.hpp"

using namespace ssetool;

namespace {

Request with_query(Headers query) {
  Request r;
  r.method = "GET";
  r.path = "/events";
  r.query = std::move(query);
  return r;
}

}  // namespace

TEST_CASE("replay-last: absent, the server's default", "[broadcast][history]") {
  CHECK(!requested_replay_last(with_query({})));
  CHECK(!requested_replay_last(with_query({{"lastEventId", "3"}})));
}

TEST_CASE("replay-last: a whole number replaces the default, 0 included", "[broadcast][history]") {
  CHECK(requested_replay_last(with_query({{"replay-last", "100"}})) == 100);
  CHECK(requested_replay_last(with_query({{"replay-last", "0"}})) == 0);
  CHECK(requested_replay_last(with_query({{"replay-last", "007"}})) == 7);
}

TEST_CASE("replay-last: too large to represent means all (the hub bounds it by the history)",
          "[broadcast][history]") {
  CHECK(requested_replay_last(with_query({{"replay-last", "99999999999999999999999999"}})) ==
        std::numeric_limits<std::size_t>::max());
}

TEST_CASE("replay-last: anything else is an error naming the parameter", "[broadcast][history]") {
  for (const char* bad : {"", "abc", "-1", "+1", "1.5", " 1", "1 ", "0x10", "1e3"}) {
    INFO("replay-last=" << bad);
    CHECK_THROWS_MATCHES(requested_replay_last(with_query({{"replay-last", bad}})), InvalidArgument,
                         Catch::Matchers::Message(
                             "the query parameter replay-last must be a whole number of events (0 or more)"));
  }
}
