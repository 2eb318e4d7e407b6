// Unit tests for replay's test scopes (X-Test-Id): counters, faults, journal views and their bounds, pushes to the
// open streams of a scope; and the parsing of a control API push body.
#include <catch2/catch.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/replay/pushed_events.hpp"
#include "ssetool/replay/test_scopes.hpp"

using namespace ssetool;

namespace {

JournalEntry entry_in(const std::string& scope, std::uint64_t number, const std::string& body = "") {
  JournalEntry e;
  e.request = number;
  e.http.method = "GET";
  e.http.path = "/s";
  e.http.body = body;
  if (!scope.empty()) e.http.headers.emplace_back("X-Test-Id", scope);
  return e;
}

}  // namespace

TEST_CASE("TestScopes: each scope counts its own requests per route, until reset", "[replay][scopes]") {
  TestScopes scopes;
  CHECK(scopes.count_request("a", 0) == 0);
  CHECK(scopes.count_request("a", 0) == 1);
  CHECK(scopes.count_request("a", 1) == 0);
  CHECK(scopes.count_request("b", 0) == 0);
  scopes.reset(std::string("a"));
  CHECK(scopes.count_request("a", 0) == 0);
  CHECK(scopes.count_request("b", 0) == 1);
  scopes.reset(std::nullopt);
  CHECK(scopes.count_request("b", 0) == 0);
}

TEST_CASE("TestScopes: fail_next is used up one request at a time, in its scope only", "[replay][scopes]") {
  TestScopes scopes;
  scopes.set_faults("a", {.fail_next = 2, .fail_status = 429});
  CHECK_FALSE(scopes.take_failure("b"));
  CHECK(scopes.take_failure("a") == 429);
  CHECK(scopes.take_failure("a") == 429);
  CHECK_FALSE(scopes.take_failure("a"));
}

TEST_CASE("TestScopes: beyond max_scopes the least recently used test id is dropped, never the default scope",
          "[replay][scopes]") {
  TestScopes scopes(true, {}, {.max_scopes = 2});
  scopes.set_faults("", {.drop_after = 1});
  scopes.count_request("a", 0);
  scopes.count_request("b", 0);
  scopes.count_request("a", 0);  // a used last: b is the least recently used
  scopes.count_request("c", 0);
  CHECK(scopes.scope_count() == 2);
  CHECK(scopes.count_request("a", 0) == 2);
  CHECK(scopes.count_request("b", 0) == 0);  // b was dropped (and now c is)
  CHECK(scopes.faults("").drop_after == 1u);
}

TEST_CASE("TestScopes: a journal view keeps the last N lines of its scope, and all views a byte budget",
          "[replay][scopes]") {
  TestScopes off;
  off.record(entry_in("a", 1));
  CHECK(off.journal("a").empty());  // without the control API nothing is kept

  TestScopes scopes(true, {}, {.journal_entries = 3, .journal_bytes = 1u << 20});
  for (std::uint64_t i = 1; i <= 5; ++i) scopes.record(entry_in("a", i));
  scopes.record(entry_in("", 9));
  auto a = scopes.journal("a");
  REQUIRE(a.size() == 3);
  CHECK(a.front().starts_with("{\"request\":3,"));
  CHECK(scopes.journal("").size() == 1);

  std::size_t line = journal_line(entry_in("b", 1, std::string(1000, 'x'))).size();
  TestScopes small(true, {}, {.journal_entries = 100, .journal_bytes = 3 * line});
  small.record(entry_in("b", 1, std::string(1000, 'x')));
  small.record(entry_in("c", 2, std::string(1000, 'x')));
  small.record(entry_in("c", 3, std::string(1000, 'x')));
  small.record(entry_in("c", 4, std::string(1000, 'x')));  // over: b (least recently used) loses its line first
  CHECK(small.journal("b").empty());
  CHECK(small.journal("c").size() == 3);
}

TEST_CASE("TestScopes: a push reaches the open streams of its scope and path", "[replay][scopes]") {
  TestScopes scopes;
  std::vector<std::string> got;
  auto pusher = [&](const std::string& name) {
    return [&got, name](std::shared_ptr<const std::vector<Frame>> frames) { got.push_back(name + *frames->at(0)); };
  };
  scopes.add_stream("a", "/x", pusher("a1:"));
  std::uint64_t gone = scopes.add_stream("a", "/y", pusher("a2:"));
  scopes.add_stream("b", "/x", pusher("b1:"));
  auto frames = std::make_shared<const std::vector<Frame>>(parse_pushed_events("data: hi\n\n", false));
  CHECK(scopes.push(std::string("a"), std::nullopt, frames) == 2);
  CHECK(scopes.push(std::nullopt, std::string("/x"), frames) == 2);
  scopes.remove_stream(gone);
  scopes.reset(std::nullopt);  // streams stay registered
  CHECK(scopes.push(std::string("a"), std::nullopt, frames) == 1);
  CHECK(got == std::vector<std::string>{"a1:data: hi\n\n", "a2:data: hi\n\n", "a1:data: hi\n\n", "b1:data: hi\n\n",
                                        "a1:data: hi\n\n"});
}

TEST_CASE("parse_pushed_events: SSE text or NDJSON, and CR or LF in a type or id refused with its line",
          "[replay][scopes]") {
  auto sse = parse_pushed_events("event: a\ndata: 1\n\ndata: 2\n\n", false);
  REQUIRE(sse.size() == 2);
  CHECK(*sse[0] == "event: a\ndata: 1\n\n");
  auto ndjson = parse_pushed_events("{\"data\":{\"k\":[1]},\"id\":\"7\",\"retry\":50}\n\n[1,2]\n", true);
  REQUIRE(ndjson.size() == 2);
  CHECK(*ndjson[0] == "id: 7\nretry: 50\ndata: {\"k\":[1]}\n\n");
  CHECK(*ndjson[1] == "data: [1,2]\n\n");
  CHECK_THROWS_WITH(parse_pushed_events("{\"data\":\"x\"}\n{\"event\":\"a\\nb\"}\n", true),
                    Catch::Contains("push body:2:"));
  CHECK_THROWS_WITH(parse_pushed_events("{\"id\":\"a\\rb\"}\n", true), Catch::Contains("push body:1:"));
  CHECK_THROWS_WITH(parse_pushed_events("{\"what\":1}\n", true), Catch::Contains("unknown key \"what\""));
  CHECK_THROWS_WITH(parse_pushed_events("{nope\n", true), Catch::Contains("push body:1: not JSON"));
  CHECK_THROWS_WITH(parse_pushed_events("bogus: 1\n\n", false), Catch::Contains("push body:"));
  CHECK_THROWS_AS(parse_pushed_events("\n\n", true), InvalidArgument);
}

TEST_CASE("is_ndjson_body: by Content-Type", "[replay][scopes]") {
  Request r;
  CHECK_FALSE(is_ndjson_body(r));
  r.headers = {{"Content-Type", "Application/X-NDJSON; charset=utf-8"}};
  CHECK(is_ndjson_body(r));
  r.headers = {{"content-type", "application/json"}};
  CHECK(is_ndjson_body(r));
  r.headers = {{"Content-Type", "text/event-stream"}};
  CHECK_FALSE(is_ndjson_body(r));
}
