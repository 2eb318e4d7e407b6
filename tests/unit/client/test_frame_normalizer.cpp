// Tests of FrameNormalizer (lib/include/ssetool/client/frame_normalizer.hpp): a stream through the real Parser,
// its callbacks into the normaliser, and the frames it gives back encoded as text/event-stream.
#include <catch2/catch.hpp>

#include "ssetool/client/frame_normalizer.hpp"
#include "ssetool/wire/event.hpp"
#include "ssetool/wire/parser.hpp"

namespace {

// Parses `stream` as one response and returns the normalised frames, encoded.
std::string normalize(std::string_view stream, std::string last_event_id = "") {
  std::string out;
  ssetool::FrameNormalizer normalizer([&](const ssetool::Event& frame) { out += ssetool::encode(frame); },
                                      last_event_id);
  ssetool::Parser parser({[&](ssetool::ParsedEvent&& e) { normalizer.event(e); },
                          [&](std::uint64_t ms) { normalizer.retry(ms); },
                          [&](std::string_view text) { normalizer.comment(text); }});
  parser.set_last_event_id(last_event_id);
  parser.feed(stream);
  parser.finish();
  normalizer.end_of_stream(parser.last_event_id());
  return out;
}

}  // namespace

TEST_CASE("FrameNormalizer: events keep their type, own id and retry", "[client][frames]") {
  CHECK(normalize("event:  x\ndata:a\r\nid:7\nretry:100\n\n") == "event:  x\nid: 7\nretry: 100\ndata: a\n\n");
  CHECK(normalize("event: message\ndata: a\n\n") == "data: a\n\n");
  CHECK(normalize("data: one\ndata: two\n\n") == "data: one\ndata: two\n\n");
}

TEST_CASE("FrameNormalizer: comments come out as comment frames, one space dropped", "[client][frames]") {
  CHECK(normalize(":hb\n\n") == ": hb\n\n");
  CHECK(normalize(":  two spaces\n\n") == ":  two spaces\n\n");
  CHECK(normalize(": a\ndata: x\n\n") == ": a\n\ndata: x\n\n");
}

TEST_CASE("FrameNormalizer: a lone id comes out once it takes effect", "[client][frames]") {
  CHECK(normalize("id: 8\n\ndata: b\n\n") == "id: 8\n\ndata: b\n\n");
  CHECK(normalize("data: a\n\nid: 9\n\n") == "data: a\n\nid: 9\n\n");  // at the end of the stream
  CHECK(normalize("id: 1\ndata: a\n\nid\n\n") == "id: 1\ndata: a\n\nid: \n\n");  // an id reset to ""
  CHECK(normalize("id: 3\n\ndata: b\n\n", "3") == "data: b\n\n");  // the id already in force: nothing new
  CHECK(normalize("id: 1\ndata: a\n\nid: 1\n\ndata: b\n\n") == "id: 1\ndata: a\n\ndata: b\n\n");
}

TEST_CASE("FrameNormalizer: a lone retry comes out alone, one in an event's block stays with it",
          "[client][frames]") {
  CHECK(normalize("retry: 20\n\ndata: a\n\n") == "retry: 20\n\ndata: a\n\n");
  CHECK(normalize("retry: 20\ndata: a\n\n") == "retry: 20\ndata: a\n\n");
  CHECK(normalize("data: a\n\nretry: 20\n\n") == "data: a\n\nretry: 20\n\n");
  CHECK(normalize("retry: 20\n\nretry: 30\n\n") == "retry: 20\n\nretry: 30\n\n");
  CHECK(normalize("retry: 20\nid: 4\n\n") == "id: 4\nretry: 20\n\n");  // one frame for the lone block
}
