// Unit tests for the hub: ids, encode-once frames, bounded history, resume and the gap signal.
#include <algorithm>
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

TEST_CASE("an unsubscribed sink receives nothing more, an invalid event is refused whole", "[hub]") {
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

// Issue 13: the id rule (hub.hpp). Input ids mixed with automatic ones gave duplicate ids that went backwards,
// and a resume from a duplicated id skipped events.
namespace {

Event with_id(std::string id, std::string d = "x") {
  Event e = data(std::move(d));
  e.id = std::move(id);
  return e;
}

// The id each frame was sent with ("" for none).
std::vector<std::string> ids_of(const Collect& c) {
  std::vector<std::string> ids;
  for (const auto& f : c.frames) {
    std::string_view text = *f;
    ids.push_back(text.starts_with("id: ") ? std::string(text.substr(4, text.find('\n') - 4)) : "");
  }
  return ids;
}

}  // namespace

TEST_CASE("id rule: automatic ids continue after the largest numeric id, and a lower one is replaced", "[hub][ids]") {
  Hub hub;
  Collect a;
  hub.subscribe(&a, std::nullopt, 0);
  CHECK_FALSE(hub.publish(data("auto")));
  CHECK_FALSE(hub.publish(with_id("5")));
  CHECK_FALSE(hub.publish(data("auto")));
  auto replaced = hub.publish(with_id("3"));
  REQUIRE(replaced);
  CHECK(replaced->given == "3");
  CHECK(replaced->sent == "7");
  CHECK(replaced->why == "is not greater than 6, the largest id sent so far");
  auto same = hub.publish(with_id("7"));
  REQUIRE(same);
  CHECK(same->sent == "8");
  CHECK_FALSE(hub.publish(with_id("100")));
  CHECK_FALSE(hub.publish(data("auto")));
  CHECK(ids_of(a) == std::vector<std::string>{"1", "5", "6", "7", "8", "100", "101"});
}

TEST_CASE("id rule: a non-numeric id is kept unless the history has it, and leading zeros are not numeric",
          "[hub][ids]") {
  Hub hub(HubOptions{3, IdMode::automatic});
  Collect a;
  hub.subscribe(&a, std::nullopt, 0);
  hub.publish(with_id("a"));
  hub.publish(with_id("007"));
  hub.publish(with_id("1234567890123456789"));  // 19 digits: a name, not a number
  auto again = hub.publish(with_id("007"));
  REQUIRE(again);
  CHECK(again->why == "is already in the history");
  CHECK(again->sent == "1");
  hub.publish(with_id(""));  // an empty id is no id
  CHECK_FALSE(hub.publish(with_id("a")));  // "a" has left the history (3 events)
  CHECK(ids_of(a) == std::vector<std::string>{"a", "007", "1234567890123456789", "1", "2", "a"});
}

TEST_CASE("id rule with --id none: an id that would repeat or go back is dropped", "[hub][ids]") {
  Hub hub(HubOptions{10, IdMode::none});
  Collect a;
  hub.subscribe(&a, std::nullopt, 0);
  hub.publish(with_id("5"));
  hub.publish(data("no id"));
  auto back = hub.publish(with_id("4"));
  REQUIRE(back);
  CHECK(back->sent.empty());
  hub.publish(with_id("k"));
  CHECK(hub.publish(with_id("k")));
  CHECK(ids_of(a) == std::vector<std::string>{"5", "", "", "k", ""});
  Collect resumed;
  CHECK(hub.subscribe(&resumed, std::string("5"), 0) == Resume::resumed);
  CHECK(resumed.frames.size() == 4);
}

TEST_CASE("id rule: whatever ids the input mixes in, ids never repeat or go back and no resume skips", "[hub][ids]") {
  const std::vector<std::optional<std::string>> choices = {std::nullopt, "1", "2", "3", "9", "10", "a", "b", "", "01"};
  for (unsigned seed = 1; seed <= 50; ++seed) {
    Hub hub(HubOptions{200, IdMode::automatic});
    Collect all;
    hub.subscribe(&all, std::nullopt, 0);
    unsigned state = seed;
    for (int i = 0; i < 60; ++i) {
      state = state * 1103515245u + 12345u;
      Event e = data(std::to_string(i));
      e.id = choices[(state >> 16) % choices.size()];
      hub.publish(e);
    }
    std::vector<std::string> ids = ids_of(all);
    std::uint64_t last = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      INFO("seed " << seed << ", event " << i << ", id " << ids[i]);
      REQUIRE_FALSE(ids[i].empty());
      CHECK(std::count(ids.begin(), ids.end(), ids[i]) == 1);
      if (ids[i].find_first_not_of("0123456789") == std::string::npos && ids[i][0] != '0') {
        CHECK(std::stoull(ids[i]) > last);
        last = std::stoull(ids[i]);
      }
      Collect resumed;
      REQUIRE(hub.subscribe(&resumed, ids[i], 0) == Resume::resumed);
      CHECK(resumed.frames.size() == ids.size() - i - 1);  // exactly the events after it
      hub.unsubscribe(&resumed);
    }
  }
}
