// Property test of the wire layer as a whole: encode(Event) -> Parser gives back the event (type, id, retry, comments
// and data, where CR and CRLF arrive as LF), over thousands of random events built from the awkward pieces: line
// breaks of all three kinds, empty strings, leading spaces, colons, field-like text, NUL and multi-byte UTF-8.
// Fixed seed, bounded sizes.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ssetool/wire/event.hpp"
#include "ssetool/wire/parser.hpp"

using namespace std::string_literals;
using ssetool::Event;
using ssetool::ParsedEvent;
using ssetool::Parser;

namespace {

const std::vector<std::string> kTextPieces = {
    "",  "a",  "word", " ", "  two", ":", "data: x", "id: 9", "event:e", "retry: 5", "\t", "\0"s,
    "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xEF\xBB\xBF", "\xE2\x80\xA8", "\xC2\x85", "\x0B"};
const std::vector<std::string> kLineBreaks = {"\n", "\r", "\r\n"};

class RandomEvents {
 public:
  explicit RandomEvents(std::uint32_t seed) : rng_(seed) {}

  Event next() {
    Event e;
    e.has_data = rng_() % 8 != 0;
    if (e.has_data) e.data = text(true);
    if (rng_() % 3 == 0) e.type = text(false);
    if (rng_() % 2 == 0) e.id = without_nul(text(false));
    if (rng_() % 5 == 0) e.retry = rng_() % 2 == 0 ? rng_() % 100000 : UINT64_MAX - rng_() % 3;
    const std::uint32_t comments = rng_() % 4 == 0 ? 1 + rng_() % 2 : 0;
    for (std::uint32_t i = 0; i < comments; ++i) e.comments.push_back(text(true));
    return e;
  }

 private:
  // Up to 8 pieces; with line breaks when `multiline`.
  std::string text(bool multiline) {
    std::string s;
    const std::uint32_t pieces = rng_() % 9;
    for (std::uint32_t i = 0; i < pieces; ++i) {
      if (multiline && rng_() % 3 == 0) {
        s += kLineBreaks[rng_() % kLineBreaks.size()];
      } else {
        s += kTextPieces[rng_() % kTextPieces.size()];
      }
    }
    return s;
  }

  static std::string without_nul(std::string s) {
    std::erase(s, '\0');
    return s;
  }

  std::mt19937 rng_;
};

// The text a parser gives back for `text`: every CRLF and CR becomes LF.
std::string normalized(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Comment lines as the parser reports them (the text after ':', so with the encoder's space).
void add_comment_lines(const std::string& comment, std::vector<std::string>& lines) {
  const std::string text = normalized(comment);
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(" " + text.substr(start, end - start));
  }
  lines.push_back(" " + text.substr(start));
}

struct Expected {
  std::vector<ParsedEvent> events;
  std::vector<std::uint64_t> retries;
  std::vector<std::string> comments;
  std::string last_event_id;
};

// What an EventSource should report for the frames of `events`, in order.
Expected expected_for(const std::vector<Event>& events) {
  Expected x;
  for (const Event& e : events) {
    for (const std::string& c : e.comments) add_comment_lines(c, x.comments);
    if (e.id) x.last_event_id = *e.id;
    if (e.retry) x.retries.push_back(*e.retry);
    if (!e.has_data) continue;
    ParsedEvent p;
    p.type = e.type && !e.type->empty() ? *e.type : "message";
    p.data = normalized(e.data);
    p.last_event_id = x.last_event_id;
    p.id_in_block = e.id.has_value();
    p.retry = e.retry;
    x.events.push_back(std::move(p));
  }
  return x;
}

// Parses `stream` fed in pieces of random sizes up to `max_piece` (the whole stream when 0).
Expected parse(const std::string& stream, std::mt19937& rng, std::size_t max_piece) {
  Expected got;
  Parser parser({[&](ParsedEvent&& e) { got.events.push_back(std::move(e)); },
                 [&](std::uint64_t ms) { got.retries.push_back(ms); },
                 [&](std::string_view c) { got.comments.emplace_back(c); }});
  if (max_piece == 0) {
    parser.feed(stream);
  } else {
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t n = 1 + rng() % max_piece;
      parser.feed(std::string_view(stream).substr(at, n));
      at += n;
    }
  }
  parser.finish();
  got.last_event_id = parser.last_event_id();
  return got;
}

void check_same(const Expected& got, const Expected& want) {
  REQUIRE(got.events.size() == want.events.size());
  for (std::size_t i = 0; i < want.events.size(); ++i) {
    INFO("event " << i);
    CHECK(got.events[i].type == want.events[i].type);
    CHECK(got.events[i].data == want.events[i].data);
    CHECK(got.events[i].last_event_id == want.events[i].last_event_id);
    CHECK(got.events[i].id_in_block == want.events[i].id_in_block);
    CHECK(got.events[i].retry == want.events[i].retry);
  }
  CHECK(got.retries == want.retries);
  CHECK(got.comments == want.comments);
  CHECK(got.last_event_id == want.last_event_id);
}

}  // namespace

TEST_CASE("each random event survives encode then parse", "[roundtrip]") {
  RandomEvents random(424242);
  std::mt19937 rng(7);
  for (int round = 0; round < 4000; ++round) {
    const Event e = random.next();
    const std::string frame = ssetool::encode(e);
    INFO("round " << round << ", frame: " << frame);
    check_same(parse(frame, rng, 0), expected_for({e}));
  }
}

TEST_CASE("a long stream of random events survives any chunking", "[roundtrip]") {
  RandomEvents random(1337);
  std::vector<Event> events;
  std::string stream;
  for (int i = 0; i < 3000; ++i) {
    events.push_back(random.next());
    stream += ssetool::encode(events.back());
    if (i % 50 == 0) stream += ssetool::encode_comment("keep-alive");
  }
  Expected want = expected_for(events);
  // encode_comment lines are interleaved: rebuild the expected comment list in stream order.
  want.comments.clear();
  for (std::size_t i = 0; i < events.size(); ++i) {
    for (const std::string& c : events[i].comments) add_comment_lines(c, want.comments);
    if (i % 50 == 0) want.comments.push_back(" keep-alive");
  }
  std::mt19937 rng(99);
  for (std::size_t max_piece : {0, 1, 3, 17, 4096}) {
    INFO("pieces up to " << max_piece << " bytes");
    check_same(parse(stream, rng, max_piece), want);
  }
}

TEST_CASE("payload edge cases round-trip exactly", "[roundtrip]") {
  const std::vector<std::pair<std::string, std::string>> payloads = {
      {"", ""},
      {"\n", "\n"},
      {"\r", "\n"},
      {"\r\n", "\n"},
      {"\n\n", "\n\n"},
      {"\r\r\n\n", "\n\n\n"},
      {" lead", " lead"},
      {"  two", "  two"},
      {"trail\n", "trail\n"},
      {"data: fake\n\nevent: injected", "data: fake\n\nevent: injected"},
      {"id: x\rretry: 1", "id: x\nretry: 1"},
      {": not a comment", ": not a comment"},
      {"\xEF\xBB\xBF" "bom", "\xEF\xBB\xBF" "bom"},
  };
  std::mt19937 rng(3);
  for (const auto& [payload, arrives_as] : payloads) {
    Event e;
    e.data = payload;
    const Expected got = parse(ssetool::encode(e), rng, 0);
    INFO("payload: " << payload);
    REQUIRE(got.events.size() == 1);
    CHECK(got.events[0].data == arrives_as);
    CHECK(got.events[0].type == "message");
  }
}
