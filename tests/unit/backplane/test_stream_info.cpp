// Unit tests for reading XINFO STREAM and for a reader's position in entries added: the count of entries trimmed
// before a reader read them.
#include <catch2/catch.hpp>

#include "ssetool/backplane/stream_info.hpp"

using namespace ssetool;

namespace {

RedisReply text(const std::string& s) { return {RedisReply::Type::string, s}; }
RedisReply number(long long n) { return {.type = RedisReply::Type::integer, .integer = n}; }

// An XINFO STREAM reply (the fields that matter, among others), as Redis 7.0 gives it.
RedisReply xinfo(long long length, long long added, const std::string& first_id) {
  RedisReply first{RedisReply::Type::array};
  first.elements = {text(first_id), RedisReply{RedisReply::Type::array, "", 0, {text("data"), text("x")}}};
  RedisReply r{RedisReply::Type::array};
  r.elements = {text("length"), number(length), text("radix-tree-keys"), number(1),
                text("max-deleted-entry-id"), text("0-0"), text("entries-added"), number(added),
                text("first-entry"), first};
  return r;
}

StreamInfo info(std::uint64_t length, std::uint64_t added, const std::string& first_id) {
  return *parse_stream_info(xinfo(static_cast<long long>(length), static_cast<long long>(added), first_id));
}

}  // namespace

TEST_CASE("stream info: XINFO STREAM's length, entries added and first entry", "[backplane]") {
  StreamInfo i = info(2, 5, "9-0");
  CHECK(i.length == 2);
  CHECK(i.entries_added == 5u);
  CHECK(i.first_id == "9-0");
  CHECK(!parse_stream_info({RedisReply::Type::status, "ERR no such key"}));
  RedisReply redis6{RedisReply::Type::array};
  redis6.elements = {text("length"), number(3)};
  CHECK(!parse_stream_info(redis6)->entries_added);
}

TEST_CASE("stream info: a reader's position tells exactly how many entries were trimmed before it read them",
          "[backplane]") {
  ReadPosition p;
  p.at_end(info(10, 10, "1-0"));  // at entry 10
  // 5 entries more, all read: nothing skipped, whether or not the first one read is the stream's first
  CHECK(p.advance(info(15, 15, "1-0"), "11-0", 5, true) == 0);
  CHECK(p.advance(info(4, 19, "16-0"), "16-0", 4, true) == 0);  // entries 1-15 trimmed, but after being read
  // 100 more appended, trimmed to the last 30 (entries 90-119) before the reader got there: 20-89 skipped
  CHECK(p.advance(info(30, 119, "90-0"), "90-0", 10, false) == 70);
  CHECK(p.advance(info(30, 119, "90-0"), "100-0", 20, true) == 0);  // at 119 again
  // a batch that does not start at the stream's first entry never counts as a gap
  CHECK(p.advance(info(50, 150, "101-0"), "120-0", 31, true) == 0);
  // without entries-added (Redis 6) nothing can be told
  StreamInfo old = info(5, 5, "1-0");
  old.entries_added.reset();
  CHECK(p.advance(old, "1-0", 5, true) == 0);
  CHECK(!p.known());
  CHECK(p.advance(info(30, 300, "271-0"), "271-0", 30, true) == 0);  // and once known again, from there
  CHECK(p.known());
  CHECK(p.advance(info(30, 400, "371-0"), "371-0", 30, true) == 70);
}

TEST_CASE("stream info: a stream that did not exist when the reader started", "[backplane]") {
  ReadPosition p;
  p.at_end(StreamInfo{.entries_added = 0});
  CHECK(p.advance(info(3, 3, "1-0"), "1-0", 3, true) == 0);
  ReadPosition late;
  late.at_end(StreamInfo{.entries_added = 0});
  CHECK(late.advance(info(1100, 3000, "1901-0"), "1901-0", 1000, false) == 1900);
}
