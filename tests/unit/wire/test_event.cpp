// Unit tests for the Event encoder: frame layout, line splitting of data and comments, refused values.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/event.hpp"

using namespace std::string_literals;
using ssetool::encode;
using ssetool::encode_comment;
using ssetool::Event;
using ssetool::InvalidEvent;

namespace {

Event data_event(std::string data) {
  Event e;
  e.data = std::move(data);
  return e;
}

struct EncodeCase {
  const char* name;
  Event event;
  std::string frame;
};

// Returns the field named by the InvalidEvent that encoding `e` throws, or "" when it does not throw.
std::string refused_field(const Event& e) {
  try {
    encode(e);
  } catch (const InvalidEvent& error) {
    return error.field;
  }
  return "";
}

}  // namespace

TEST_CASE("data is split on CR, LF and CRLF, one data line each", "[event]") {
  const std::vector<EncodeCase> cases = {
      {"one line", data_event("hello"), "data: hello\n\n"},
      {"empty data is one empty data line", data_event(""), "data: \n\n"},
      {"LF", data_event("a\nb"), "data: a\ndata: b\n\n"},
      {"CR", data_event("a\rb"), "data: a\ndata: b\n\n"},
      {"CRLF is one break", data_event("a\r\nb"), "data: a\ndata: b\n\n"},
      {"LF CR is two breaks", data_event("a\n\rb"), "data: a\ndata: \ndata: b\n\n"},
      {"trailing newline adds an empty line", data_event("a\n"), "data: a\ndata: \n\n"},
      {"only a newline", data_event("\n"), "data: \ndata: \n\n"},
      {"only CRLF", data_event("\r\n"), "data: \ndata: \n\n"},
      {"leading space kept behind the separator", data_event(" x"), "data:  x\n\n"},
      {"colons are ordinary", data_event("data: x: y"), "data: data: x: y\n\n"},
      {"U+2028 and NEL are not line breaks", data_event("a\xE2\x80\xA8" "b\xC2\x85" "c"),
       "data: a\xE2\x80\xA8" "b\xC2\x85" "c\n\n"},
      {"NUL is ordinary", data_event("a\0b"s), "data: a\0b\n\n"s},
  };
  for (const EncodeCase& c : cases) {
    INFO(c.name);
    CHECK(encode(c.event) == c.frame);
  }
}

TEST_CASE("fields come in a fixed order: comments, event, id, retry, data", "[event]") {
  Event e;
  e.data = "payload";
  e.type = "update";
  e.id = "42";
  e.retry = 3000;
  e.comments = {"first", "second"};
  CHECK(encode(e) == ": first\n: second\nevent: update\nid: 42\nretry: 3000\ndata: payload\n\n");
}

TEST_CASE("optional fields are written only when present", "[event]") {
  Event e;
  e.data = "x";
  e.id = "";
  CHECK(encode(e) == "id: \ndata: x\n\n");  // an empty id resets the client's id
  e.id.reset();
  e.type = "";
  CHECK(encode(e) == "event: \ndata: x\n\n");
  e.type = " spaced";
  CHECK(encode(e) == "event:  spaced\ndata: x\n\n");
  e.type.reset();
  e.retry = 0;
  CHECK(encode(e) == "retry: 0\ndata: x\n\n");
}

TEST_CASE("has_data false writes no data line at all", "[event]") {
  Event e;
  e.has_data = false;
  CHECK(encode(e) == "\n");
  e.id = "7";
  e.retry = 1000;
  CHECK(encode(e) == "id: 7\nretry: 1000\n\n");
  e.comments = {"keep-alive"};
  CHECK(encode(e) == ": keep-alive\nid: 7\nretry: 1000\n\n");
}

TEST_CASE("comments are split on line breaks too", "[event]") {
  Event e;
  e.has_data = false;
  e.comments = {"a\nb\r\nc\rd", ""};
  CHECK(encode(e) == ": a\n: b\n: c\n: d\n: \n\n");
}

TEST_CASE("encode_comment makes a comment-only frame", "[event]") {
  CHECK(encode_comment("ping") == ": ping\n\n");
  CHECK(encode_comment("") == ": \n\n");
  CHECK(encode_comment("one\ntwo") == ": one\n: two\n\n");
  CHECK(encode_comment("one\r\ntwo\r") == ": one\n: two\n: \n\n");
}

TEST_CASE("values that would break out of their line are refused, naming the field", "[event]") {
  for (const std::string bad : {"a\nb", "a\rb", "a\r\n", "\n"}) {
    INFO("value: " << bad);
    Event typed = data_event("x");
    typed.type = bad;
    CHECK(refused_field(typed) == "event");
    CHECK_THROWS_AS(ssetool::validate(typed), InvalidEvent);
    Event with_id = data_event("x");
    with_id.id = bad;
    CHECK(refused_field(with_id) == "id");
  }
  Event nul_id = data_event("x");
  nul_id.id = "1\0"s;
  CHECK(refused_field(nul_id) == "id");
  Event nul_type = data_event("x");
  nul_type.type = "a\0b"s;
  CHECK(refused_field(nul_type).empty());  // NUL is harmless in a type
}

TEST_CASE("data without has_data is refused rather than dropped", "[event]") {
  Event e = data_event("lost?");
  e.has_data = false;
  CHECK(refused_field(e) == "data");
}

TEST_CASE("the error message names the field", "[event]") {
  Event e = data_event("x");
  e.id = "a\nb";
  CHECK_THROWS_WITH(encode(e), Catch::Contains("id"));
}

TEST_CASE("validate accepts what encode accepts", "[event]") {
  Event e = data_event("multi\nline\rdata");
  e.type = "t: with colon";
  e.id = "\xE2\x80\xA6 unicode id";
  e.comments = {"c\nd"};
  CHECK_NOTHROW(ssetool::validate(e));
  CHECK_NOTHROW(encode(e));
}
