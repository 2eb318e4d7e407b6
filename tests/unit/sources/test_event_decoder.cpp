// Unit tests for input handling: line splitting and the lines/ndjson/sse decoders.
#include <catch2/catch.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/sources/event_decoder.hpp"
#include "ssetool/wire/line_splitter.hpp"

using namespace ssetool;

namespace {

std::vector<std::string> split(std::vector<std::string> chunks, std::size_t limit = 1000) {
  LineSplitter s(limit);
  std::vector<std::string> lines;
  auto on = [&](std::string_view l) { lines.emplace_back(l); };
  for (const auto& c : chunks) s.feed(c, on);
  s.finish(on);
  return lines;
}

std::vector<Event> decode(InputFormat f, std::vector<std::string> lines) {
  auto d = EventDecoder::create(f);
  std::vector<Event> out;
  for (const auto& l : lines) d->line(l, out);
  d->finish(out);
  return out;
}

}  // namespace

TEST_CASE("lines end at LF or CRLF, across chunks, and a last unterminated line counts", "[inputs]") {
  CHECK(split({"a\nb\r\n", "c"}) == std::vector<std::string>{"a", "b", "c"});
  CHECK(split({"ab", "c\r", "\nd\n"}) == std::vector<std::string>{"abc", "d"});
  CHECK(split({"\n\n"}) == std::vector<std::string>{"", ""});
  CHECK_THROWS_AS(split({std::string(20, 'x')}, 10), LimitExceeded);
  CHECK_THROWS_AS(split({std::string(5, 'x'), std::string(6, 'x') + "\n"}, 10), LimitExceeded);
}

TEST_CASE("lines input: one event per line, invalid UTF-8 replaced", "[inputs]") {
  auto events = decode(InputFormat::lines, {"plain", "bad \xff byte"});
  REQUIRE(events.size() == 2);
  CHECK(events[1].data == "bad \xEF\xBF\xBD byte");
}

TEST_CASE("ndjson input maps event objects and sends other values whole", "[inputs]") {
  auto events = decode(InputFormat::ndjson,
                       {R"({"event":"tick","data":{"n":1},"id":"7","retry":500})", R"([1, 2])", R"("s")", "",
                        R"({"data":"x","comment":"c"})"});
  REQUIRE(events.size() == 4);
  CHECK(events[0].type == "tick");
  CHECK(events[0].data == R"({"n":1})");
  CHECK(events[0].id == "7");
  CHECK(events[0].retry == 500u);
  CHECK(events[1].data == "[1,2]");
  CHECK(events[2].data == "\"s\"");
  CHECK(events[3].comments == std::vector<std::string>{"c"});
  auto d = EventDecoder::create(InputFormat::ndjson);
  std::vector<Event> out;
  CHECK_THROWS_AS(d->line("{not json", out), InvalidArgument);
  CHECK_THROWS_AS(d->line(R"({"event": 5})", out), InvalidArgument);
  CHECK_THROWS_AS(d->line(R"({"retry": -1})", out), InvalidArgument);
  CHECK_THROWS_AS(d->line(R"({"id": "a\nb", "data": "x"})", out), InvalidEvent);
  CHECK(out.empty());
}

namespace {

// The message of what the decoder throws for one line ("" when nothing is thrown).
std::string ndjson_error(const std::string& line) {
  auto d = EventDecoder::create(InputFormat::ndjson);
  std::vector<Event> out;
  try {
    d->line(line, out);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// Issue 12: the JSON library's out_of_range (1e999) and the stack (deep nesting, written back out) were not guarded.
TEST_CASE("ndjson input: whatever the JSON library throws is a bad line, reported as such", "[inputs]") {
  CHECK(ndjson_error("1e999") == "invalid JSON: number overflow parsing '1e999'");
  CHECK(ndjson_error(R"({"data":{"n":-1e999}})") == "invalid JSON: number overflow parsing '-1e999'");
  CHECK(ndjson_error("\"\xff\"") == "invalid JSON: invalid string: ill-formed UTF-8 byte");
  CHECK(ndjson_error(std::string(100000, '[') + std::string(100000, ']')) ==
        "invalid JSON: arrays and objects nested deeper than 512 levels");
  auto events = decode(InputFormat::ndjson, {std::string(512, '[') + std::string(512, ']')});
  REQUIRE(events.size() == 1);
  CHECK(events[0].data.size() == 1024);
}

// Issue 13: objects were re-serialised with sorted keys; a syntax error said only "invalid JSON".
TEST_CASE("ndjson input: objects keep their key order, and a syntax error says what and at which byte", "[inputs]") {
  auto events = decode(InputFormat::ndjson, {R"({"data":{"sym":"ABC","px":12.5,"a":[{"z":1,"b":2}]}})",
                                             R"({"zz":1,"aa":2})"});
  REQUIRE(events.size() == 2);
  CHECK(events[0].data == R"({"sym":"ABC","px":12.5,"a":[{"z":1,"b":2}]})");
  CHECK(events[1].data == R"({"zz":1,"aa":2})");

  auto d = EventDecoder::create(InputFormat::ndjson);
  std::vector<Event> out;
  using Where = std::pair<std::size_t, std::string>;
  auto where = [&](const std::string& line) -> Where {
    try {
      d->line(line, out);
    } catch (const InvalidLine& e) {
      return {e.column, e.what()};
    }
    return {0, ""};
  };
  CHECK(where(R"({"sym":"ABC" "px":12.5})") == Where{17, "invalid JSON: expected ',' or '}'"});
  CHECK(where("[1,2") == Where{5, "invalid JSON: unexpected end of input; expected ',' or ']'"});
  CHECK(where("{oops") == Where{2, "invalid JSON: invalid literal"});
  CHECK(where(R"({"a":1,})") == Where{8, "invalid JSON: expected string literal"});
  CHECK(where(R"({"a" 1})") == Where{6, "invalid JSON: expected ':'"});
  CHECK(out.empty());
}

TEST_CASE("sse input is parsed and re-encoded, never passed through", "[inputs]") {
  auto events = decode(InputFormat::sse, {"event: a", "id: 5", "data: x", "data:  y", "", ": c", "data: z", "",
                                          "data: unterminated"});
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == "a");
  CHECK(events[0].id == "5");
  CHECK(events[0].data == "x\n y");
  CHECK_FALSE(events[1].id);  // its block carried no id of its own
  CHECK(events[1].data == "z");
}

TEST_CASE("input format names", "[inputs]") {
  CHECK(parse_input_format("ndjson") == InputFormat::ndjson);
  CHECK_THROWS_AS(parse_input_format("xml"), InvalidArgument);
}
