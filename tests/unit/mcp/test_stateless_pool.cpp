// Unit tests of the stateless pool (mcp/stateless_pool.hpp) with real children (a small stdio JSON-RPC server in
// Python): a child is initialised before requests reach it, requests of many clients share it under ids of the
// bridge's own, a second child starts only when the first is busy, a full pool refuses, and every child is
// reaped when the pool ends.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ssetool/loop/loop.hpp"
#include "ssetool/mcp/stateless_call.hpp"
#include "ssetool/mcp/stateless_pool.hpp"
#include "ssetool/sources/process.hpp"
#include "python_child.hpp"

using namespace ssetool;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

// Answers initialize, and any other request with the method and id it saw (after `delay` seconds for "slow").
constexpr const char* kChild = R"PY(
import json, sys, time
for line in sys.stdin:
    m = json.loads(line)
    if "id" not in m or "method" not in m:
        continue
    if m["method"] == "initialize":
        r = {"protocolVersion": "2025-11-25", "capabilities": {"tools": {}}, "serverInfo": {"name": "pool-child"}}
    else:
        if m["method"] == "slow":
            time.sleep(0.3)
        r = {"method": m["method"], "seen_id": m["id"]}
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": m["id"], "result": r}) + "\n")
    sys.stdout.flush()
)PY";

struct PoolFixture {
  Loop loop;
  ProcessSlots slots{8};
  std::size_t number = 0;
  std::size_t reaped = 0;
  StatelessPool pool;

  explicit PoolFixture(StatelessPoolOptions options)
      : pool(options, [this](McpSession::Hooks hooks) { return spawn(std::move(hooks)); }, [this] { ++reaped; }) {}

  std::shared_ptr<McpSession> spawn(McpSession::Hooks hooks) {
    ProcessOptions o = testsupport::python_child(kChild);
    McpSessionOptions session;
    session.kill_grace = 1s;
    return std::make_shared<McpSession>(loop, Process::spawn(o), std::move(*slots.try_acquire()), ++number,
                                        std::string(), session, std::move(hooks));
  }

  // Sends `method` with the client id `id` through `place`; `done` gets the client's answer.
  void call(const StatelessPool::Place& place, const std::string& id, const std::string& method,
            std::function<void(Json)> done) {
    auto request = classify_message(R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":")" + method + R"("})");
    auto member = place.member;
    auto reservation = place.reservation;
    member->when_ready([member, reservation, request, done](McpSession* session, const std::string* error) {
      REQUIRE(session);
      REQUIRE_FALSE(error);
      auto c = std::make_shared<StatelessCall>(request, member->next_id());
      session->request_for_json(c->forwarded(), [done](std::string line) { done(Json::parse(line)); },
                                [c, reservation](const std::string& line) { return c->restore(line); });
    });
  }

  // Ends the pool, and stops the loop once every child has been reaped.
  void end_and_stop() {
    pool.end_all("test over");
    poll = [this] {
      if (pool.alive() == 0) loop.stop();
      else loop.add_timer(10ms, poll);
    };
    poll();
  }
  std::function<void()> poll;

  // Runs the loop until `stop` is called or 10 s have passed (a failure). Once: a loop does not run again.
  void run() {
    bool timed_out = false;
    auto timer = loop.add_timer(10s, [&] {
      timed_out = true;
      loop.stop();
    });
    loop.run();
    loop.cancel_timer(timer);
    REQUIRE_FALSE(timed_out);
  }
};

}  // namespace

TEST_CASE("stateless pool: one child serves requests of several clients, ids remapped, then it is reaped", "[mcp][stateless]") {
  PoolFixture f({.children = 2, .per_child = 4});
  std::vector<Json> answers;
  std::size_t members = 0, alive = 0;
  f.loop.post([&] {
    std::string why;
    auto a = f.pool.reserve(why);
    REQUIRE(a);
    f.call(*a, "1", "tools/list", [&](Json j) { answers.push_back(j); });
    f.call(*a, "\"x\"", "ping", [&](Json j) {
      answers.push_back(j);
      members = f.pool.members();
      alive = f.pool.alive();
      f.end_and_stop();
    });
  });
  f.run();
  REQUIRE(answers.size() == 2);
  CHECK(answers[0]["id"] == 1);
  CHECK(answers[0]["result"]["method"] == "tools/list");
  CHECK(answers[0]["result"]["resultType"] == "complete");
  CHECK(answers[0]["result"]["ttlMs"] == 0);
  CHECK(answers[1]["id"] == "x");
  // the child saw ids of the bridge's own, not the clients'
  CHECK(answers[0]["result"]["seen_id"].is_number_integer());
  CHECK(answers[1]["result"]["seen_id"].is_number_integer());
  CHECK(answers[0]["result"]["seen_id"] != answers[1]["result"]["seen_id"]);
  CHECK(members == 1);  // one place taken at a time: no second child
  CHECK(alive == 1);
  CHECK(f.reaped == 1);
  CHECK(f.pool.alive() == 0);
}

TEST_CASE("stateless pool: a busy child brings a second one, a full pool refuses, a place given back is free", "[mcp][stateless]") {
  PoolFixture f({.children = 2, .per_child = 1});
  std::vector<StatelessPool::Place> places;
  std::string why;
  bool refused = false, again = false;
  std::string busy_why;
  std::size_t members = 0, members_after = 0;
  f.loop.post([&] {
    for (int i = 0; i < 2; ++i) {
      auto p = f.pool.reserve(why);
      REQUIRE(p);
      places.push_back(*p);
    }
    members = f.pool.members();
    CHECK(places[0].member != places[1].member);
    refused = !f.pool.reserve(why);
    busy_why = why;
    f.call(places[0], "1", "slow", [&](Json j) {
      CHECK(j["id"] == 1);
      f.loop.defer([&] {  // once the call's stream is gone, its place is free again: both children take one
        auto first = f.pool.reserve(why);
        auto second = f.pool.reserve(why);
        again = first && second && first->member != second->member;
        members_after = f.pool.members();
        f.end_and_stop();
      });
    });
    places.clear();  // the call holds its place until answered; the other place is given back now
  });
  f.run();
  CHECK(members == 2);
  CHECK(refused);
  CHECK(busy_why.find("busy") != std::string::npos);
  CHECK(again);
  CHECK(members_after == 2);  // no third child
  CHECK(f.reaped == 2);
}
