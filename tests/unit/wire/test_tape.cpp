// Unit tests for tapes: what the writer produces, that the reader gets back what was written, and that every
// kind of invalid line is refused with "FILE:LINE: what is wrong".
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/tape.hpp"

using namespace std::chrono_literals;
using ssetool::Event;
using ssetool::TapeEnd;
using ssetool::TapeItem;

namespace {

// A file name in the temporary directory, removed at the end of the test.
struct TempFile {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("ssetool-tape-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".ndjson"))
                         .string();
  ~TempFile() { std::remove(path.c_str()); }
  std::string text() const {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static inline int counter = 0;
};

// The message of the InvalidArgument that parsing `text` throws ("" when it does not throw).
std::string parse_error(const std::string& text) {
  try {
    ssetool::parse_tape(text, "t.ndjson");
  } catch (const ssetool::InvalidArgument& e) {
    return e.what();
  }
  return "";
}

Event data_event(std::string data) {
  Event e;
  e.data = std::move(data);
  return e;
}

}  // namespace

TEST_CASE("the writer writes one flushed JSON line per record, t first", "[tape]") {
  TempFile file;
  ssetool::TapeWriter writer(file.path);
  ssetool::TapeHeader header;
  header.headers = {{"Content-Type", "text/event-stream"}};
  header.method = "GET";
  writer.header(header);
  Event e = data_event("a\nb");
  e.type = "update";
  e.id = "7";
  e.retry = 1500;
  writer.event(12500us, e);
  // Flushed already: the file holds both lines before the writer is destroyed.
  CHECK(file.text() ==
        "{\"tape\":1,\"status\":200,\"headers\":[[\"Content-Type\",\"text/event-stream\"]],\"method\":\"GET\"}\n"
        "{\"t\":12.5,\"event\":\"update\",\"id\":\"7\",\"retry\":1500,\"data\":\"a\\nb\"}\n");
  writer.bytes(13ms, "data: x\n\n");
  writer.bytes(14001us, std::string("\xff\x00", 2));
  writer.end(20s, TapeEnd::dropped);
  CHECK(file.text().ends_with("{\"t\":13,\"bytes\":\"data: x\\n\\n\"}\n"
                              "{\"t\":14.001,\"bytes_base64\":\"/wA=\"}\n"
                              "{\"t\":20000,\"end\":\"dropped\"}\n"));
}

TEST_CASE("a written tape reads back the same", "[tape]") {
  TempFile file;
  ssetool::TapeHeader first;
  first.status = 200;
  first.headers = {{"Content-Type", "text/event-stream"}, {"X-Dup", "1"}, {"X-Dup", "2"}};
  first.url = "http://127.0.0.1:1/events";
  first.started = ssetool::tape_timestamp(std::chrono::system_clock::time_point(1714564800123ms));
  ssetool::TapeHeader second = first;
  second.last_event_id = "2";
  Event comment;
  comment.has_data = false;
  comment.comments = {"keep-alive"};
  Event id_only;
  id_only.has_data = false;
  id_only.id = "";
  std::string binary = "\x00\x01\xfe\xff\x80xyz";
  binary[0] = '\0';
  {
    ssetool::TapeWriter writer(file.path);
    writer.header(first);
    writer.event(0us, data_event("one"));
    writer.event(1ms, comment);
    writer.bytes(2ms, binary);
    writer.end(3ms, TapeEnd::complete);
    writer.header(second);
    writer.event(0us, id_only);
    writer.end(5ms, TapeEnd::stopped);
  }
  ssetool::Tape tape = ssetool::read_tape(file.path);
  REQUIRE(tape.responses.size() == 2);
  const auto& r1 = tape.responses[0];
  CHECK(r1.header == first);
  CHECK(r1.header.started == "2024-05-01T12:00:00.123Z");
  CHECK(r1.line == 1);
  REQUIRE(r1.items.size() == 3);
  CHECK(r1.items[0].event == data_event("one"));
  CHECK(r1.items[0].at == 0us);
  CHECK(r1.items[1].event == comment);
  CHECK(r1.items[2].kind == TapeItem::Kind::bytes);
  CHECK(r1.items[2].bytes == binary);
  CHECK(r1.items[2].line == 4);
  CHECK(r1.has_bytes());
  CHECK(r1.end == TapeEnd::complete);
  CHECK(r1.end_at == 3ms);
  const auto& r2 = tape.responses[1];
  CHECK(r2.header.last_event_id == "2");
  REQUIRE(r2.items.size() == 1);
  CHECK(r2.items[0].event == id_only);
  CHECK_FALSE(r2.has_bytes());
  CHECK(r2.end == TapeEnd::stopped);
}

TEST_CASE("hand-written tapes: header optional, t optional, headers as an object", "[tape]") {
  ssetool::Tape tape = ssetool::parse_tape(
      "\n{\"data\":\"no header\"}\n  \n{\"t\":0.0005,\"event\":\"x\",\"data\":\"\"}\r\n"
      "{\"tape\":1,\"status\":503,\"headers\":{\"Retry-After\":\"1\"}}\n",
      "hand.ndjson");
  REQUIRE(tape.responses.size() == 2);
  CHECK(tape.responses[0].line == 0);
  CHECK(tape.responses[0].header.status == 200);
  REQUIRE(tape.responses[0].items.size() == 2);
  CHECK_FALSE(tape.responses[0].items[0].at.has_value());
  CHECK(tape.responses[0].items[0].line == 2);
  CHECK(tape.responses[0].items[1].at == 1us);
  CHECK(tape.responses[0].items[1].event.type == "x");
  CHECK(tape.responses[0].items[1].event.has_data);
  CHECK(tape.responses[1].header.status == 503);
  CHECK(tape.responses[1].header.headers == ssetool::Headers{{"Retry-After", "1"}});
  CHECK(ssetool::parse_tape("", "empty").responses.empty());
}

TEST_CASE("every invalid line is refused with file, line and reason", "[tape]") {
  CHECK(parse_error("{\"data\":\"ok\"}\nnot json\n").starts_with("t.ndjson:2: not valid JSON"));
  CHECK(parse_error("[1,2]") == "t.ndjson:1: a tape line must be a JSON object");
  CHECK(parse_error("{\"tape\":2}") == "t.ndjson:1: tape version 2 is not supported (this ssetool reads version 1)");
  CHECK(parse_error("{\"tape\":\"1\"}") == "t.ndjson:1: 'tape' must be the integer format version");
  CHECK(parse_error("{\"tape\":1,\"status\":99}") == "t.ndjson:1: 'status' must be an integer from 100 to 599");
  CHECK(parse_error("{\"tape\":1,\"headers\":[[\"A\"]]}") ==
        "t.ndjson:1: 'headers' must hold [name, value] pairs of strings");
  CHECK(parse_error("{\"tape\":1,\"headers\":{\"A\":\"x\\r\\ny\"}}") ==
        "t.ndjson:1: header 'A' must not contain CR or LF");
  CHECK(parse_error("{\"tape\":1,\"t\":0}") == "t.ndjson:1: unknown key 't' in header line");
  CHECK(parse_error("{\"data\":\"x\",\"dta\":\"y\"}") == "t.ndjson:1: unknown key 'dta' in event line");
  CHECK(parse_error("{\"data\":5}") == "t.ndjson:1: 'data' must be a string");
  CHECK(parse_error("{\"t\":-1,\"data\":\"x\"}") == "t.ndjson:1: 't' must be a number of milliseconds >= 0");
  CHECK(parse_error("{\"t\":\"1\",\"data\":\"x\"}") == "t.ndjson:1: 't' must be a number of milliseconds >= 0");
  CHECK(parse_error("{\"t\":5,\"data\":\"x\"}\n{\"t\":4,\"data\":\"y\"}") ==
        "t.ndjson:2: 't' goes backwards (4 ms after 5 ms)");
  CHECK(parse_error("{\"retry\":-5}") == "t.ndjson:1: 'retry' must be an integer number of milliseconds >= 0");
  CHECK(parse_error("{\"retry\":1.5}") == "t.ndjson:1: 'retry' must be an integer number of milliseconds >= 0");
  CHECK(parse_error("{\"event\":\"a\\nb\",\"data\":\"x\"}") == "t.ndjson:1: the event field must not contain CR or LF");
  CHECK(parse_error("{\"id\":\"a\\u0000\"}") == "t.ndjson:1: the id field must not contain NUL");
  CHECK(parse_error("{\"t\":1}") == "t.ndjson:1: an event line needs at least one of event, id, retry, data, comment");
  CHECK(parse_error("{\"bytes\":\"x\",\"bytes_base64\":\"eA==\"}") ==
        "t.ndjson:1: give 'bytes' or 'bytes_base64', not both");
  CHECK(parse_error("{\"bytes\":\"x\",\"data\":\"x\"}") == "t.ndjson:1: unknown key 'data' in bytes line");
  CHECK(parse_error("{\"bytes_base64\":\"eA=\"}") == "t.ndjson:1: 'bytes_base64' is not valid padded base64");
  CHECK(parse_error("{\"bytes_base64\":\"e*==\"}") == "t.ndjson:1: 'bytes_base64' is not valid padded base64");
  CHECK(parse_error("{\"end\":\"finished\"}") ==
        "t.ndjson:1: 'end' must be \"complete\", \"dropped\" or \"stopped\", not \"finished\"");
  CHECK(parse_error("{\"end\":\"complete\"}\n{\"data\":\"late\"}") ==
        "t.ndjson:2: a line after the end of its response (start a new response with a header line)");
  CHECK(parse_error("{\"end\":\"complete\"}\n{\"tape\":1}\n{\"data\":\"new response\"}") == "");
}

TEST_CASE("base64 round trips every length and byte value", "[tape]") {
  TempFile file;
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  {
    ssetool::TapeWriter writer(file.path);
    for (std::size_t n = 0; n <= 6; ++n) writer.bytes(0us, all.substr(250, n) + "\xff");
    writer.bytes(0us, all);
  }
  ssetool::Tape tape = ssetool::read_tape(file.path);
  REQUIRE(tape.responses.size() == 1);
  REQUIRE(tape.responses[0].items.size() == 8);
  for (std::size_t n = 0; n <= 6; ++n) CHECK(tape.responses[0].items[n].bytes == all.substr(250, n) + "\xff");
  CHECK(tape.responses[0].items[7].bytes == all);
}

TEST_CASE("missing files and unwritable paths are reported", "[tape]") {
  CHECK_THROWS_WITH(ssetool::read_tape("/nonexistent/tape.ndjson"),
                    Catch::Matchers::StartsWith("/nonexistent/tape.ndjson: cannot read:"));
  CHECK_THROWS_AS(ssetool::TapeWriter("/nonexistent/dir/tape.ndjson"), ssetool::SystemError);
}

TEST_CASE("tapes are told from SSE text by their first character", "[tape]") {
  CHECK(ssetool::looks_like_tape("\n  {\"tape\":1}"));
  CHECK(ssetool::looks_like_tape("{\"data\":\"x\"}"));
  CHECK_FALSE(ssetool::looks_like_tape("data: {\"x\":1}\n\n"));
  CHECK_FALSE(ssetool::looks_like_tape(""));
}

// Issue 12: `1e999` escaped as an uncaught nlohmann out_of_range (exit 1, no FILE:LINE).
TEST_CASE("what the JSON library throws is reported with file and line too", "[tape]") {
  std::string ok = "{\"data\":\"ok\"}\n";
  CHECK(parse_error(ok + "{\"t\":1e999,\"data\":\"x\"}\n") ==
        "t.ndjson:2: not valid JSON: number overflow parsing '1e999'");
  CHECK(parse_error(ok + "{\"retry\":-1e999}\n") == "t.ndjson:2: not valid JSON: number overflow parsing '-1e999'");
  CHECK(parse_error(ok + ok + "{\"data\":\"\xff\"}\n").starts_with("t.ndjson:3: not valid JSON: "));
  std::string deep = "{\"data\":\"x\",\"comment\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  CHECK(parse_error(deep) == "t.ndjson:1: not valid JSON: arrays and objects nested deeper than 512 levels");
  std::string allowed = "{\"data\":\"x\",\"comment\":" + std::string(511, '[') + std::string(511, ']') + "}";
  CHECK(parse_error(allowed) == "t.ndjson:1: 'comment' must be a string");
}
