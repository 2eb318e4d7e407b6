// Unit tests for replay recordings: strict SSE text (events, and every mistake named by line), tapes turned into
// timed items, short responses for recorded errors, and recorded bytes cut where the client dispatches an event.
#include <catch2/catch.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/replay/recording.hpp"
#include "ssetool/replay/recording_loader.hpp"
#include "ssetool/replay/sse_text.hpp"

using namespace ssetool;
using namespace std::chrono_literals;

namespace {

// The message of the InvalidArgument that parsing `text` throws ("" when it does not throw).
std::string error_of(const std::string& text, const std::string& name = "rec.sse") {
  try {
    parse_recording(text, name);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

std::string all_bytes(const ReplayResponse& r) {
  std::string out;
  for (const auto& item : r.items) out += *item.bytes;
  return out;
}

}  // namespace

TEST_CASE("SSE text: each block is one item, encoded as the client would see it", "[replay][recording]") {
  auto rec = parse_recording(": hello\n\nevent: tick\nid: 7\ndata: a\ndata: b\n\nretry: 3000\ndata: c\n\n", "x.sse");
  REQUIRE(!rec->is_tape);
  REQUIRE(rec->responses.size() == 1);
  const ReplayResponse& r = rec->responses[0];
  CHECK(r.is_stream);
  REQUIRE(r.items.size() == 3);
  CHECK(*r.items[0].bytes == ": hello\n\n");
  CHECK_FALSE(r.items[0].dispatches);
  CHECK(*r.items[1].bytes == "event: tick\nid: 7\ndata: a\ndata: b\n\n");
  CHECK(r.items[1].dispatches);
  CHECK(r.items[1].last_id == "7");
  CHECK(*r.items[2].bytes == "retry: 3000\ndata: c\n\n");
  CHECK(r.items[2].last_id == "7");  // the id persists, as in a browser
  CHECK(r.event_count == 2);
  CHECK(r.max_numeric_id == 7);
  for (const auto& item : r.items) CHECK_FALSE(item.at);
}

TEST_CASE("SSE text: CRLF and CR line ends and a leading BOM are accepted", "[replay][recording]") {
  auto rec = parse_recording("\xEF\xBB\xBF" "data: one\r\n\r\ndata: two\r\rdata\n\n", "x.sse");
  const ReplayResponse& r = rec->responses[0];
  REQUIRE(r.items.size() == 3);
  CHECK(all_bytes(r) == "data: one\n\ndata: two\n\ndata: \n\n");
}

TEST_CASE("SSE text: a lone id or retry block is sent as a frame without data", "[replay][recording]") {
  auto rec = parse_recording("id: 41\n\ndata: x\n\n", "x.sse");
  const ReplayResponse& r = rec->responses[0];
  REQUIRE(r.items.size() == 2);
  CHECK(*r.items[0].bytes == "id: 41\n\n");
  CHECK_FALSE(r.items[0].dispatches);
  CHECK(r.items[1].last_id == "41");
}

TEST_CASE("SSE text: mistakes are refused with file and line", "[replay][recording]") {
  CHECK(error_of("data: a\n\ndta: b\n\n") == "rec.sse:3: unknown field 'dta' (a line is data:, event:, id:, retry:, a ':' comment or blank)");
  CHECK(error_of("retry: soon\ndata: a\n\n") == "rec.sse:1: retry must be a number of milliseconds, not 'soon'");
  CHECK(error_of("data: a\n\ndata: b\n") == "rec.sse:3: the last event is not followed by a blank line");
  CHECK(error_of("data: a\n\ndata: b") == "rec.sse:3: the last line has no line break: end the last event with a blank line");
  CHECK(error_of("data: a\n\nevent: x\n\n") == "rec.sse:3: an event with 'event' but no 'data' line is never dispatched");
  CHECK(error_of("data: a\n\ndata: \xFF\n\n") == "rec.sse:3: invalid UTF-8");
  CHECK(error_of(std::string("id: a\0b\ndata: x\n\n", 17)) == "rec.sse:1: id must not contain NUL");
  CHECK(error_of("") == "rec.sse:1: empty recording: no events");
  CHECK(error_of("\n\n") == "rec.sse:2: empty recording: no events");
}

TEST_CASE("tape: event lines become timed items, the end line is kept", "[replay][recording][tape]") {
  auto rec = parse_recording(
      "{\"tape\":1,\"status\":200,\"headers\":[[\"Content-Type\",\"text/event-stream\"],[\"X-Id\",\"r1\"],"
      "[\"Transfer-Encoding\",\"chunked\"]]}\n"
      "{\"t\":0,\"data\":\"a\",\"id\":\"1\"}\n"
      "{\"t\":12.5,\"comment\":\"ping\"}\n"
      "{\"data\":\"b\"}\n"
      "{\"t\":40,\"end\":\"dropped\"}\n",
      "x.tape");
  REQUIRE(rec->is_tape);
  const ReplayResponse& r = rec->responses[0];
  CHECK(r.is_stream);
  CHECK(r.headers == Headers{{"X-Id", "r1"}});  // framing and type are the replaying server's business
  REQUIRE(r.items.size() == 3);
  CHECK(r.items[0].at == 0us);
  CHECK(r.items[1].at == 12500us);
  CHECK_FALSE(r.items[2].at);
  CHECK(*r.items[1].bytes == ": ping\n\n");
  CHECK(r.items[2].last_id == "1");
  CHECK(r.event_count == 2);
  CHECK(r.end_at == 40000us);
  CHECK(r.ends_abruptly);
}

TEST_CASE("tape: a recorded error or non-SSE body becomes a short response", "[replay][recording][tape]") {
  auto rec = parse_recording(
      "{\"tape\":1,\"status\":429,\"headers\":{\"Content-Type\":\"application/json\",\"Retry-After\":\"2\"}}\n"
      "{\"t\":1,\"bytes\":\"{\\\"error\\\":\\\"slow down\\\"}\"}\n"
      "{\"t\":1,\"end\":\"complete\"}\n"
      "{\"tape\":1}\n"
      "{\"t\":5,\"data\":\"ok\"}\n",
      "x.tape");
  REQUIRE(rec->responses.size() == 2);
  const ReplayResponse& failed = rec->responses[0];
  CHECK_FALSE(failed.is_stream);
  CHECK(failed.status == 429);
  CHECK(failed.content_type == "application/json");
  CHECK(failed.body == "{\"error\":\"slow down\"}");
  CHECK(failed.headers == Headers{{"Retry-After", "2"}});
  CHECK(rec->responses[1].is_stream);
  CHECK(rec->responses[1].line == 4);
}

TEST_CASE("tape: recorded bytes are cut where an event is dispatched, the rest of a read joined", "[replay][recording][tape]") {
  auto rec = parse_recording(
      "{\"tape\":1}\n"
      "{\"t\":1,\"bytes\":\"id: 1\\ndata: a\\n\\nid: 2\\nda\"}\n"
      "{\"t\":2,\"bytes\":\"ta: b\\r\\n\\r\\n: tail\"}\n"
      "{\"t\":3,\"data\":\"annotation, not played\"}\n",
      "x.tape");
  const ReplayResponse& r = rec->responses[0];
  CHECK(r.from_bytes);
  REQUIRE(r.items.size() == 4);
  CHECK(*r.items[0].bytes == "id: 1\ndata: a\n\n");
  CHECK(r.items[0].dispatches);
  CHECK(r.items[0].last_id == "1");
  CHECK_FALSE(r.items[0].joined);
  CHECK(*r.items[1].bytes == "id: 2\nda");
  CHECK(r.items[1].joined);
  CHECK_FALSE(r.items[1].dispatches);
  CHECK(*r.items[2].bytes == "ta: b\r\n\r");  // dispatched at the CR; its LF goes with the next piece
  CHECK(r.items[2].dispatches);
  CHECK(r.items[2].event->data == "b");
  CHECK(r.items[2].event->id == "2");
  CHECK(*r.items[3].bytes == "\n: tail");
  CHECK(r.items[3].joined);
  CHECK(r.items[3].at == 2000us);
  CHECK(all_bytes(r) == "id: 1\ndata: a\n\nid: 2\ndata: b\r\n\r\n: tail");
  CHECK(r.event_count == 2);
}

TEST_CASE("tape: an invalid line is refused with file and line", "[replay][recording][tape]") {
  std::string message = error_of("{\"tape\":1}\n{\"t\":5,\"data\":\"a\"}\n{\"t\":4,\"data\":\"b\"}\n", "x.tape");
  CHECK(message.starts_with("x.tape:3: "));
  CHECK(error_of("{\"tape\":1}\n{\"t\":1,\"dat\":\"a\"}\n", "x.tape").starts_with("x.tape:2: unknown key 'dat'"));
}

TEST_CASE("numeric ids are 1 to 19 digits", "[replay][recording]") {
  CHECK(is_numeric_id("0"));
  CHECK(is_numeric_id("1234567890123456789"));
  CHECK_FALSE(is_numeric_id("12345678901234567890"));
  CHECK_FALSE(is_numeric_id(""));
  CHECK_FALSE(is_numeric_id("1a"));
  CHECK_FALSE(is_numeric_id("-1"));
}

TEST_CASE("a missing file is named in the error", "[replay][recording]") {
  CHECK_THROWS_WITH(load_recording("/nonexistent/x.sse"), Catch::StartsWith("/nonexistent/x.sse: cannot read: "));
}
