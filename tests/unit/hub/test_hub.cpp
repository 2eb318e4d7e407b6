// Unit tests for the hub: ids, encode-once frames, bounded history, resume and the gap signal.
#include <catch2/catch.hpp>

#include "ssetool/hub/hub.hpp"

using namespace ssetool;

namespace {

struct Collect : FrameSink {
  std::vector<Frame> frames;
  void push(const Frame& f) override { frames.push_back(f); }
  std::string text() const {
    std::string all;
    for (const auto& f : frames) all += *f;
    return all;
  }
};

Event data(std::string d) {
  Event e;
  e.data = std::move(d);
  return e;
}

}  // namespace

TEST_CASE("automatic ids number events and every subscriber shares one frame", "[hub]") {
  Hub hub;
  Collect a, b;
  hub.subscribe(&a, std::nullopt, 0);
  hub.subscribe(&b, std::nullopt, 0);
  hub.publish(data("one"));
  hub.publish(data("two"));
  REQUIRE(a.frames.size() == 2);
  CHECK(a.frames[0] == b.frames[0]);  // the same encoded frame, not a copy
  CHECK(*a.frames[0] == "id: 1\ndata: one\n\n");
  CHECK(*a.frames[1] == "id: 2\ndata: two\n\n");
  CHECK(hub.published() == 2);
}

TEST_CASE("an event's own id wins and --id none sends none", "[hub]") {
  Hub hub(HubOptions{10, IdMode::none});
  Collect a;
  hub.subscribe(&a, std::nullopt, 0);
  hub.publish(data("x"));
  Event own = data("y");
  own.id = "abc";
  hub.publish(own);
  CHECK(a.text() == "data: x\n\nid: abc\ndata: y\n\n");
}

TEST_CASE("resume after a known id sends exactly the later events", "[hub]") {
  Hub hub;
  for (int i = 0; i < 5; ++i) hub.publish(data(std::to_string(i + 1)));
  Collect a;
  CHECK(hub.subscribe(&a, std::string("3"), 0) == Resume::resumed);
  CHECK(a.text() == "id: 4\ndata: 4\n\nid: 5\ndata: 5\n\n");
  hub.publish(data("6"));
  CHECK(a.frames.size() == 3);
}

TEST_CASE("resume from an id older than the history signals the gap, then sends all history", "[hub]") {
  Hub hub(HubOptions{3, IdMode::automatic});
  for (int i = 0; i < 6; ++i) hub.publish(data("e"));
  CHECK(hub.history_length() == 3);
  Collect a;
  CHECK(hub.subscribe(&a, std::string("1"), 0) == Resume::gap);
  REQUIRE(a.frames.size() == 4);
  CHECK(*a.frames[0] == "event: gap\ndata: {\"last_event_id\":\"1\",\"oldest_id\":\"4\"}\n\n");
  CHECK(a.frames[1]->rfind("id: 4\n", 0) == 0);
}

TEST_CASE("replay_last gives a new client the tail of the history", "[hub]") {
  Hub hub;
  for (int i = 0; i < 5; ++i) hub.publish(data(std::to_string(i + 1)));
  Collect a, b;
  hub.subscribe(&a, std::nullopt, 2);
  hub.subscribe(&b, std::nullopt, 50);
  CHECK(a.text() == "id: 4\ndata: 4\n\nid: 5\ndata: 5\n\n");
  CHECK(b.frames.size() == 5);
}

TEST_CASE("an unsubscribed sink receives nothing more; an invalid event is refused whole", "[hub]") {
  Hub hub;
  Collect a;
  hub.subscribe(&a, std::nullopt, 0);
  hub.unsubscribe(&a);
  hub.publish(data("x"));
  CHECK(a.frames.empty());
  Event bad = data("y");
  bad.type = "a\nb";
  CHECK_THROWS(hub.publish(bad));
  CHECK(hub.history_length() == 1);
}

TEST_CASE("events published while a stream was being set up are not missed", "[hub]") {
  Hub hub;
  hub.publish(data("before"));
  std::uint64_t seen_at_request = hub.published();
  hub.publish(data("during set-up"));
  Collect a;
  hub.subscribe(&a, std::nullopt, 0, seen_at_request);
  REQUIRE(a.frames.size() == 1);
  CHECK(*a.frames[0] == "id: 2\ndata: during set-up\n\n");
}
