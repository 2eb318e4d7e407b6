// Unit tests for the incremental parser: table-driven cases from the WHATWG examples and the web-platform-tests
// eventsource/format-* files (restated as plain streams and expectations), each fed whole, byte by byte and in
// random chunkings; line ends split between feeds; reconnections; the last event id; limits.
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/parser.hpp"

using namespace std::string_literals;
using ssetool::LimitExceeded;
using ssetool::ParsedEvent;
using ssetool::Parser;
using ssetool::ParserLimits;

namespace {

// Everything a parser reported over one or more connections.
struct Outcome {
  std::vector<ParsedEvent> events;
  std::vector<std::uint64_t> retries;
  std::vector<std::string> comments;
  std::string last_event_id;
};

std::string escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20 || u == 0x7F) {
      out += "\\x" + std::string(1, "0123456789ABCDEF"[u >> 4]) + "0123456789ABCDEF"[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// A readable rendering, so that a failing CHECK shows what differs.
std::string describe(const Outcome& o) {
  std::ostringstream s;
  for (const ParsedEvent& e : o.events) {
    s << "event{type=" << escaped(e.type) << " data=\"" << escaped(e.data) << "\" last_id=\""
      << escaped(e.last_event_id) << "\" id_in_block=" << e.id_in_block
      << " retry=" << (e.retry ? std::to_string(*e.retry) : "-") << "}\n";
  }
  for (std::uint64_t r : o.retries) s << "retry " << r << "\n";
  for (const std::string& c : o.comments) s << "comment \"" << escaped(c) << "\"\n";
  s << "last_event_id \"" << escaped(o.last_event_id) << "\"\n";
  return s.str();
}

ParsedEvent ev(std::string data, std::string last_id = "", bool id_in_block = false, std::string type = "message",
               std::optional<std::uint64_t> retry = std::nullopt) {
  ParsedEvent e;
  e.data = std::move(data);
  e.last_event_id = std::move(last_id);
  e.id_in_block = id_in_block;
  e.type = std::move(type);
  e.retry = retry;
  return e;
}

// How a stream is cut into feeds.
enum class Chunking { whole, byte_by_byte, random };

std::vector<std::string_view> cut(std::string_view stream, Chunking how, std::mt19937& rng) {
  std::vector<std::string_view> pieces;
  if (how == Chunking::whole) {
    pieces.push_back(stream);
  } else if (how == Chunking::byte_by_byte) {
    for (std::size_t i = 0; i < stream.size(); ++i) pieces.push_back(stream.substr(i, 1));
  } else {
    const std::size_t max_piece = 1 + rng() % 12;
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t n = std::min<std::size_t>(rng() % (max_piece + 1), stream.size() - at);  // 0 happens
      pieces.push_back(stream.substr(at, n));
      at += n;
    }
  }
  return pieces;
}

// Parses `streams` as successive connections of one event source (finish() after each).
Outcome parse(const std::vector<std::string>& streams, Chunking how, std::mt19937& rng, ParserLimits limits = {}) {
  Outcome out;
  Parser::Callbacks callbacks;
  callbacks.on_event = [&](ParsedEvent&& e) { out.events.push_back(std::move(e)); };
  callbacks.on_retry = [&](std::uint64_t ms) { out.retries.push_back(ms); };
  callbacks.on_comment = [&](std::string_view text) { out.comments.emplace_back(text); };
  Parser parser(callbacks, limits);
  for (const std::string& stream : streams) {
    for (std::string_view piece : cut(stream, how, rng)) parser.feed(piece);
    parser.finish();
  }
  out.last_event_id = parser.last_event_id();
  return out;
}

struct Case {
  const char* name;                  // where the case comes from
  std::vector<std::string> streams;  // one per connection
  std::vector<ParsedEvent> events;
  std::vector<std::uint64_t> retries = {};
  std::vector<std::string> comments = {};
  std::string last_event_id = "";
};

// Runs a case whole, byte by byte and in 30 random chunkings (fixed seed).
void check_case(const Case& c) {
  INFO("case: " << c.name);
  Outcome expected{c.events, c.retries, c.comments, c.last_event_id};
  std::mt19937 rng(987654321);
  CHECK(describe(parse(c.streams, Chunking::whole, rng)) == describe(expected));
  CHECK(describe(parse(c.streams, Chunking::byte_by_byte, rng)) == describe(expected));
  for (int round = 0; round < 30; ++round) {
    INFO("random chunking " << round);
    CHECK(describe(parse(c.streams, Chunking::random, rng)) == describe(expected));
  }
}

const std::string kEllipsis = "\xE2\x80\xA6";  // U+2026, the id the WPT Last-Event-ID tests use
const std::string kBom = "\xEF\xBB\xBF";
const std::string kFffd = "\xEF\xBF\xBD";

}  // namespace

TEST_CASE("web-platform-tests eventsource/format-* cases", "[parser][wpt]") {
  const std::string x2048(2048, 'x');
  const std::vector<Case> cases = {
      {"format-bom: one leading BOM is stripped, a later one makes an unknown field",
       {kBom + "data:1\n\n" + kBom + "data:2\n\ndata:3\n\n\n"},
       {ev("1"), ev("3")}},
      {"format-bom-2: only one BOM is stripped",
       {kBom + kBom + "data:1\n\ndata:2\n\ndata:3\n\n\n"},
       {ev("2"), ev("3")}},
      {"format-comments: comments anywhere, with CR/LF/CRLF ends, NUL and long text",
       {"data:1\r:\0\n:\r\ndata:2\n:"s + x2048 + "\rdata:3\n:data:fail\r:" + x2048 + "\ndata:4\n\n"},
       {ev("1\n2\n3\n4")},
       {},
       {"\0"s, "", x2048, "data:fail", x2048}},
      {"format-data-before-final-empty-line: an unterminated block and its id are discarded at the end",
       {"retry:1000\ndata:test1\n\nid:test\ndata:test2", "retry:1000\ndata:test1\n\nid:test\ndata:test2"},
       {ev("test1", "", false, "message", 1000), ev("test1", "", false, "message", 1000)},
       {1000, 1000}},
      {"format-field-data: empty data, data without colon",
       {"data:\n\ndata\ndata\n\ndata:test\n\n\n"},
       {ev(""), ev("\n"), ev("test")}},
      {"format-field-event-empty: an empty type means message",
       {"event: \ndata:data\n\n\n"},
       {ev("data")}},
      {"format-field-event: a custom type applies to its own block only",
       {"event:test\ndata:x\n\ndata:x\n\n\n"},
       {ev("x", "", false, "test"), ev("x")}},
      {"format-field-id: the id persists into the next connection",
       {"id: " + kEllipsis + "\nretry: 200\ndata: hello\n\n", "data: " + kEllipsis + "\n\n"},
       {ev("hello", kEllipsis, true, "message", 200), ev(kEllipsis, kEllipsis)},
       {200},
       {},
       kEllipsis},
      {"format-field-id-2: ... and the one after",
       {"id: " + kEllipsis + "\nretry: 200\ndata: hello\n\n", "data: " + kEllipsis + "\n\n",
        "data: " + kEllipsis + "\n\n"},
       {ev("hello", kEllipsis, true, "message", 200), ev(kEllipsis, kEllipsis), ev(kEllipsis, kEllipsis)},
       {200},
       {},
       kEllipsis},
      {"format-field-id-3: the id persists",
       {"id: 1\ndata: 1\n\ndata:2\n\n"},
       {ev("1", "1", true), ev("2", "1")},
       {},
       {},
       "1"},
      {"format-field-id-3: the id changes and persists",
       {"id: 1\ndata: 1\n\nid: 2\ndata:2\n\ndata:3\n\n"},
       {ev("1", "1", true), ev("2", "2", true), ev("3", "2")},
       {},
       {},
       "2"},
      {"format-field-id-3: an empty id resets it",
       {"id: 1\ndata: 1\n\nid:\ndata:2\n\ndata:3\n\n"},
       {ev("1", "1", true), ev("2", "", true), ev("3")}},
      {"format-field-parsing: NUL, case, odd names, CR ends, leading spaces",
       {"data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\n"
        "data:4\n\n"s},
       {ev("\0\n 2\n1\n3\n\n4"s)}},
      {"format-field-retry: leading zeros are decimal",
       {"retry:02000\ndata:x\n\n\n"},
       {ev("x", "", false, "message", 2000)},
       {2000}},
      {"format-field-retry-bogus: a retry with a non-digit is ignored",
       {"retry:3000\nretry:1000x\ndata:x\n\n\n"},
       {ev("x", "", false, "message", 3000)},
       {3000}},
      {"format-field-retry-empty: a bare retry is ignored",
       {"retry\ndata:test\n\n\n"},
       {ev("test")}},
      {"format-field-unknown: unknown fields, lines without colon, comments",
       {"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n\n"},
       {ev("test\n\ntest")},
       {},
       {"thisisacommentyay"}},
      {"format-leading-space: a tab is kept, one space is removed",
       {"data:\ttest\rdata: \ndata:test\n\n\n"},
       {ev("\ttest\n\ntest")}},
      {"format-newlines: CRLF, LF and CR mixed",
       {"data:test\r\ndata\ndata:test\r\n\r\n"},
       {ev("test\n\ntest")}},
      {"format-null-character: NUL in data",
       {"data:\0\n\n\n"s},
       {ev("\0"s)}},
      {"format-utf-8: always UTF-8",
       {"data:ok" + kEllipsis + "\n\n\n"},
       {ev("ok" + kEllipsis)}},
      {"event-data: lines and data parsing",
       {"data:msg\ndata:msg\n\n:\nfalsefield:msg\n\nfalsefield:msg\nDatA:data\n\ndata\n\ndata:end\n\n"},
       {ev("msg\nmsg"), ev(""), ev("end")},
       {},
       {""}},
  };
  for (const Case& c : cases) check_case(c);
}

TEST_CASE("format-field-id-null: an id containing NUL is ignored", "[parser][wpt]") {
  for (const std::string& id : {"\0\0"s, "x\0"s, "\0x"s, "x\0x"s, " \0"s}) {
    check_case({"id with NUL",
                {"id: " + id + "\nretry: 200\ndata: hello\n\n", "id: " + id + "\nretry: 200\ndata: hello\n\n"},
                {ev("hello", "", false, "message", 200), ev("hello", "", false, "message", 200)},
                {200, 200}});
  }
  // It does not reset an id already in force either.
  check_case({"id with NUL after a valid id",
              {"id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n"s},
              {ev("a", "1", true), ev("b", "1", false)},
              {},
              {},
              "1"});
}

TEST_CASE("WHATWG 9.2.6 examples", "[parser][spec]") {
  const std::vector<Case> cases = {
      {"three messages, one of two lines",
       {"data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\n"
        "data: This is the third message.\n\n"},
       {ev("This is the first message."), ev("This is the second message, it\nhas two lines."),
        ev("This is the third message.")}},
      {"typed events",
       {"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n"},
       {ev("73857293", "", false, "add"), ev("2153", "", false, "remove"), ev("113411", "", false, "add")}},
      {"stock ticker",
       {"data: YHOO\ndata: +2\ndata: 10\n\n"},
       {ev("YHOO\n+2\n10")}},
      {"test stream: comment block, id, id reset, leading space",
       {": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"},
       {ev("first event", "1", true), ev("second event", "", true), ev(" third event")},
       {},
       {" test stream"}},
      {"the end of the stream does not dispatch the last block",
       {": test stream\n\ndata: first event\nid: 1\n\ndata:  third event\n"},
       {ev("first event", "1", true)},
       {},
       {" test stream"},
       "1"},
      {"empty data, a newline, and a discarded last block",
       {"data\n\ndata\ndata\n\ndata:"},
       {ev(""), ev("\n")}},
      {"a space after the colon is optional",
       {"data:test\n\ndata: test\n\n"},
       {ev("test"), ev("test")}},
  };
  for (const Case& c : cases) check_case(c);
}

TEST_CASE("more field and dispatch rules", "[parser]") {
  const std::vector<Case> cases = {
      {"CR alone ends lines", {"data:a\rdata:b\r\r"}, {ev("a\nb")}},
      {"CRLF then blank CRLF", {"data:a\r\n\r\ndata:b\n\n"}, {ev("a"), ev("b")}},
      {"LF CR is two line ends", {"data:a\n\rdata:b\n\n"}, {ev("a"), ev("b")}},
      {"a block with only an id updates the last event id without an event",
       {"id: 5\n\ndata:x\n\n"},
       {ev("x", "5", false)},
       {},
       {},
       "5"},
      {"an id in an unterminated last block does not take effect", {"data:a\n\nid: 9\n"}, {ev("a")}},
      {"an empty data buffer dispatches nothing but resets the type",
       {"event:foo\n\ndata:x\n\n"},
       {ev("x")}},
      {"the type does not carry over", {"event:foo\ndata:1\n\ndata:2\n\n"}, {ev("1", "", false, "foo"), ev("2")}},
      {"the last event type line wins", {"event:a\nevent:b\ndata:1\n\n"}, {ev("1", "", false, "b")}},
      {"the last id line wins", {"id:a\nid:b\ndata:1\n\n"}, {ev("1", "b", true)}, {}, {}, "b"},
      {"blank lines alone dispatch nothing", {"\n\n\r\n\rdata:x\n\n\n\n"}, {ev("x")}},
      {"a bare event field means message", {"event\ndata:x\n\n"}, {ev("x")}},
      {"two spaces: one is kept", {"event:  two\ndata:  x\nid:  y\n\n"}, {ev(" x", " y", true, " two")}, {}, {}, " y"},
      {"a colon in the value stays", {"data::x: y\n\n"}, {ev(":x: y")}},
      {"field names are case-sensitive", {"DATA:x\nData:y\nEvent:z\nID:1\ndata:ok\n\n"}, {ev("ok")}},
      {"NUL in a field name makes it unknown", {"id\0:1\ndata:x\n\n"s}, {ev("x")}},
      {"only CR, LF and CRLF end lines",
       {"data:a\xE2\x80\xA8" "b\xC2\x85" "c\x0B\x0C" "d\n\n"},
       {ev("a\xE2\x80\xA8" "b\xC2\x85" "c\x0B\x0C" "d")}},
      {"retry with one leading space is valid", {"retry: 1000\ndata:x\n\n"}, {ev("x", "", false, "message", 1000)},
       {1000}},
      {"bogus retries are ignored",
       {"retry:  5\nretry:+1\nretry:-1\nretry:1.5\nretry:1e3\nretry: \nretry:\xD9\xA1\ndata:x\n\n"},
       {ev("x")}},
      {"a huge retry saturates", {"retry:99999999999999999999999999\n\n"}, {}, {UINT64_MAX}},
      {"retry counts without data and belongs to its block only",
       {"retry:10\n\ndata:x\n\nretry:20\ndata:y\n\n"},
       {ev("x"), ev("y", "", false, "message", 20)},
       {10, 20}},
      {"a BOM inside a data value is kept", {"data:" + kBom + "z\n\n"}, {ev(kBom + "z")}},
      {"a BOM after the start is an ordinary character", {"data:x\n\n" + kBom + "data:y\n\n"}, {ev("x")}},
      {"a lone BOM", {kBom}, {}},
      {"invalid UTF-8 becomes U+FFFD", {"data:a\xFF" "b\xC3\n\n"}, {ev("a" + kFffd + "b" + kFffd)}},
      {"multi-byte UTF-8 survives any chunking", {"data:\xE2\x82\xAC\xF0\x9F\x98\x80\n\n"},
       {ev("\xE2\x82\xAC\xF0\x9F\x98\x80")}},
      {"a truncated sequence at the end of the stream is in a discarded line", {"data:x\n\ndata:\xF0\x9F"}, {ev("x")}},
      {"a truncated sequence before the line end", {"data:\xF0\x9F\n\n"}, {ev(kFffd)}},
      {"a comment line is reported without its colon", {":\n: x\n::y\n"}, {}, {}, {"", " x", ":y"}},
  };
  for (const Case& c : cases) check_case(c);
}

TEST_CASE("reconnections: restart state, keep the last event id", "[parser]") {
  const std::vector<Case> cases = {
      {"each stream may start with a BOM", {kBom + "data:1\n\n", kBom + "data:2\n\n"}, {ev("1"), ev("2")}},
      {"a block cut off by the end of the stream does not leak into the next",
       {"event:t\ndata:partial", "data:x\n\n"},
       {ev("x")}},
      {"a CR at the end of a stream does not swallow the next stream's LF",
       {"data:a\n\ndata:b\r", "\ndata:c\n\n"},
       {ev("a"), ev("c")}},
      {"a truncated UTF-8 sequence does not join the next stream",
       {"data:a\n\ndata:\xE2\x82", "\xAC\n\ndata:b\n\n"},
       {ev("a"), ev("b")}},
      {"an id cut off by the end of the stream is forgotten",
       {"id: 1\ndata:a\n\nid: 2\n", "data:b\n\n"},
       {ev("a", "1", true), ev("b", "1")},
       {},
       {},
       "1"},
  };
  for (const Case& c : cases) check_case(c);
}

TEST_CASE("CRLF split between feeds is one line end", "[parser]") {
  Outcome out;
  Parser parser({[&](ParsedEvent&& e) { out.events.push_back(std::move(e)); }, {}, {}});
  parser.feed("data:a\r");
  parser.feed("\ndata:b\r");
  parser.feed("\n\r");
  CHECK(out.events.size() == 1);
  parser.feed("\n");  // the LF of the blank line's CRLF: no second blank line
  parser.feed("data:c\r");
  parser.feed("\r");
  REQUIRE(out.events.size() == 2);
  CHECK(out.events[0].data == "a\nb");
  CHECK(out.events[1].data == "c");
}

TEST_CASE("a CR at the end of a feed followed by an empty feed still pairs with the next LF", "[parser]") {
  int events = 0;
  Parser parser({[&](ParsedEvent&&) { ++events; }, {}, {}});
  parser.feed("data:a\r");
  parser.feed("");
  parser.feed("\xE2");  // decodes to nothing yet
  parser.feed("\x82\xAC\n");
  CHECK(events == 0);  // "\xE2\x82\xAC" came after the CR: it is a line of its own, "€", an unknown field
  parser.feed("\n");
  CHECK(events == 1);
}

TEST_CASE("a BOM split between feeds is still stripped", "[parser]") {
  std::vector<std::string> data;
  Parser parser({[&](ParsedEvent&& e) { data.push_back(e.data); }, {}, {}});
  parser.feed("\xEF");
  parser.feed("\xBB");
  parser.feed("\xBF" "data:1\n\n");
  REQUIRE(data.size() == 1);
  CHECK(data[0] == "1");
}

TEST_CASE("retry is reported at once, before its event", "[parser]") {
  std::vector<std::string> log;
  Parser parser({[&](ParsedEvent&& e) { log.push_back("event " + e.data); },
                 [&](std::uint64_t ms) { log.push_back("retry " + std::to_string(ms)); },
                 [&](std::string_view c) { log.push_back("comment" + std::string(c)); }});
  parser.feed("data:x\nretry:5\n: hi\n");
  CHECK(log == std::vector<std::string>{"retry 5", "comment hi"});
  parser.feed("\n");
  CHECK(log == std::vector<std::string>{"retry 5", "comment hi", "event x"});
}

TEST_CASE("last_event_id follows dispatches, set_last_event_id seeds it", "[parser]") {
  std::vector<ParsedEvent> events;
  Parser parser({[&](ParsedEvent&& e) { events.push_back(std::move(e)); }, {}, {}});
  parser.set_last_event_id("41");
  CHECK(parser.last_event_id() == "41");
  parser.feed("data:a\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].last_event_id == "41");
  CHECK_FALSE(events[0].id_in_block);

  parser.feed("id: 42\n");
  CHECK(parser.last_event_id() == "41");  // not before the blank line
  parser.feed("\n");
  CHECK(parser.last_event_id() == "42");  // a block with only an id still takes effect
  CHECK(events.size() == 1);

  parser.feed("id: 43\ndata:b\n");
  parser.finish();  // the block is unterminated: dropped, id included
  CHECK(parser.last_event_id() == "42");

  parser.restart();
  parser.feed("data:c\n\n");
  REQUIRE(events.size() == 2);
  CHECK(events[1].last_event_id == "42");
  CHECK(parser.last_event_id() == "42");
}

TEST_CASE("restart drops the partial line and block, and strips a BOM again", "[parser]") {
  std::vector<ParsedEvent> events;
  Parser parser({[&](ParsedEvent&& e) { events.push_back(std::move(e)); }, {}, {}});
  parser.feed("event:t\nid:7\ndata:partial\ndata:more");
  parser.restart();
  parser.feed(kBom + "data:x\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == "message");
  CHECK(events[0].data == "x");
  CHECK(events[0].last_event_id.empty());
  CHECK_FALSE(events[0].id_in_block);
}

TEST_CASE("a parser without callbacks parses silently", "[parser]") {
  Parser parser(Parser::Callbacks{});
  CHECK_NOTHROW(parser.feed(": c\nretry: 1\nid: 1\ndata: x\n\n"));
  CHECK_NOTHROW(parser.finish());
  CHECK(parser.last_event_id() == "1");
}

TEST_CASE("default limits are 32 MiB per line and 64 MiB per event", "[parser][limits]") {
  const ParserLimits limits;
  CHECK(limits.max_line == 32 * 1024 * 1024);
  CHECK(limits.max_event == 64 * 1024 * 1024);
  Parser parser(Parser::Callbacks{});
  const std::string line = "data:" + std::string((32 << 20) - 5, 'x');
  CHECK_NOTHROW(parser.feed(line + "\n"));
  CHECK_THROWS_AS(parser.feed(line + "y\n"), LimitExceeded);
}

TEST_CASE("the line limit holds in every chunking", "[parser][limits]") {
  ParserLimits limits;
  limits.max_line = 10;
  std::mt19937 rng(5);
  for (Chunking how : {Chunking::whole, Chunking::byte_by_byte, Chunking::random}) {
    CHECK(parse({"data:12345\n\n"}, how, rng, limits).events.size() == 1);  // exactly 10 bytes
    CHECK(parse({":123456789\r\n"}, how, rng, limits).comments.size() == 1);
    CHECK_THROWS_AS(parse({"data:123456\n\n"}, how, rng, limits), LimitExceeded);
    CHECK_THROWS_AS(parse({":1234567890\n"}, how, rng, limits), LimitExceeded);
    CHECK_THROWS_AS(parse({"event:1234567890"}, how, rng, limits), LimitExceeded);  // even unterminated
    CHECK_THROWS_WITH(parse({"id:12345678901"}, how, rng, limits), Catch::Contains("max_line"));
  }
}

TEST_CASE("the event limit holds in every chunking", "[parser][limits]") {
  ParserLimits limits;
  limits.max_event = 8;  // the data buffer: each value plus its LF
  std::mt19937 rng(6);
  for (Chunking how : {Chunking::whole, Chunking::byte_by_byte, Chunking::random}) {
    CHECK(parse({"data:1234567\n\n"}, how, rng, limits).events.size() == 1);
    CHECK(parse({"data:123\ndata:123\n\ndata:1234567\n\n"}, how, rng, limits).events.size() == 2);
    CHECK_THROWS_AS(parse({"data:12345678\n\n"}, how, rng, limits), LimitExceeded);
    CHECK_THROWS_WITH(parse({"data:1234\ndata:123\n\n"}, how, rng, limits), Catch::Contains("max_event"));
    CHECK_THROWS_AS(parse({"data\ndata\ndata\ndata\ndata\ndata\ndata\ndata\ndata\n"}, how, rng, limits),
                    LimitExceeded);
  }
}

TEST_CASE("an endless line is refused as soon as it passes the limit", "[parser][limits]") {
  ParserLimits limits;
  limits.max_line = 1000;
  Parser parser(Parser::Callbacks{}, limits);
  const std::string chunk(100, 'x');
  int fed = 0;
  CHECK_THROWS_AS(
      [&] {
        for (; fed < 1000; ++fed) parser.feed(chunk);
      }(),
      LimitExceeded);
  CHECK(fed == 10);  // 1,000 bytes fit; the eleventh chunk does not
}

TEST_CASE("after a limit error, restart() gives a working parser", "[parser][limits]") {
  ParserLimits limits;
  limits.max_line = 16;
  std::vector<std::string> data;
  Parser parser({[&](ParsedEvent&& e) { data.push_back(e.data); }, {}, {}}, limits);
  CHECK_THROWS_AS(parser.feed("data:" + std::string(100, 'x') + "\n\n"), LimitExceeded);
  parser.restart();
  parser.feed("data:ok\n\n");
  CHECK(data == std::vector<std::string>{"ok"});
}

TEST_CASE("finish never throws, even with a full line and a truncated sequence pending", "[parser][limits]") {
  ParserLimits limits;
  limits.max_line = 8;
  int events = 0;
  Parser parser({[&](ParsedEvent&&) { ++events; }, {}, {}}, limits);
  parser.feed("data:123\xE2");  // 8 bytes of line, plus the start of a 3-byte sequence
  CHECK_NOTHROW(parser.finish());
  parser.feed("data:x\n\n");
  CHECK(events == 1);
}

TEST_CASE("event_pending: true from a block's first data line until its blank line or finish()", "[parser]") {
  int dispatched = 0;
  Parser p(Parser::Callbacks{[&](ParsedEvent&&) { ++dispatched; }, nullptr, nullptr});
  CHECK_FALSE(p.event_pending());
  p.feed("event: x\nid: 1\n");
  CHECK_FALSE(p.event_pending());  // no data: a blank line now would dispatch nothing
  p.feed("data: a\n");
  CHECK(p.event_pending());
  p.feed("\n");
  CHECK_FALSE(p.event_pending());
  CHECK(dispatched == 1);
  p.feed("data:\n");  // an empty data line is data
  CHECK(p.event_pending());
  p.finish();
  CHECK_FALSE(p.event_pending());
  CHECK(dispatched == 1);
}
