// Unit tests for the mapping between events and Redis stream entries, and the ordering of entry ids.
#include <catch2/catch.hpp>

#include "ssetool/backplane/stream_entry.hpp"

using namespace ssetool;

namespace {

// An XRANGE-shaped entry: [id, [field, value, ...]].
RedisReply entry_reply(const std::string& id, const std::vector<std::string>& fields) {
  RedisReply r{RedisReply::Type::array};
  r.elements.push_back({RedisReply::Type::string, id});
  RedisReply list{RedisReply::Type::array};
  for (const auto& f : fields) list.elements.push_back({RedisReply::Type::string, f});
  r.elements.push_back(list);
  return r;
}

}  // namespace

TEST_CASE("stream entries: an event's fields survive the trip, the entry id becomes its id", "[backplane]") {
  Event e{.data = "a\nb", .type = "tick", .id = "own-id", .retry = 1500, .comments = {"x", "y"}};
  std::vector<std::string> fields = entry_fields(e, "node:7");
  CHECK(std::find(fields.begin(), fields.end(), "own-id") == fields.end());  // the input's own id is not stored
  StreamEntry back = parse_entry(entry_reply("1700000000000-3", fields));
  CHECK(back.id == "1700000000000-3");
  CHECK(back.tag == "node:7");
  CHECK(!back.end);
  CHECK(back.event.data == "a\nb");
  CHECK(back.event.type == "tick");
  CHECK(back.event.retry == 1500u);
  CHECK(back.event.comments == std::vector<std::string>{"x", "y"});
  CHECK(back.event.id == "1700000000000-3");

  Event no_data{.data = "", .comments = {"c"}, .has_data = false};
  CHECK(!parse_entry(entry_reply("1-0", entry_fields(no_data, "n:1"))).event.has_data);
  CHECK(parse_entry(entry_reply("2-0", end_fields("n:2"))).end);
}

TEST_CASE("stream entries: an entry written by something else with CR or LF in its type is left out", "[backplane]") {
  RedisReply list{RedisReply::Type::array};
  list.elements.push_back(entry_reply("1-0", {"data", "ok"}));
  list.elements.push_back(entry_reply("2-0", {"event", "x\ndata: injected", "data", "d"}));
  list.elements.push_back(entry_reply("3-0", {"data", "also ok"}));
  std::vector<StreamEntry> entries = parse_entries(list);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].id == "1-0");
  CHECK(entries[1].id == "3-0");
}

TEST_CASE("stream entries: a malformed entry is an error, entry ids order numerically", "[backplane]") {
  CHECK_THROWS_AS(parse_entry(RedisReply{RedisReply::Type::string, "x"}), RedisError);
  CHECK(entry_id_before("9-5", "10-0"));
  CHECK(entry_id_before("10-2", "10-10"));
  CHECK(!entry_id_before("10-10", "10-10"));
  CHECK(!entry_id_value("12"));
  CHECK(!entry_id_value("a-1"));
  CHECK(entry_id_value("1-2") == std::pair<std::uint64_t, std::uint64_t>{1, 2});
}
