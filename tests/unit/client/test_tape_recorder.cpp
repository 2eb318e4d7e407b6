// Tests of TapeRecorder (lib/include/ssetool/client/tape_recorder.hpp): what it writes through a TapeWriter for
// the client's callbacks, read back with read_tape.
#include <catch2/catch.hpp>

#include <functional>

#include "ssetool/client/tape_recorder.hpp"
#include "ssetool/wire/tape.hpp"
#include "temp_dir.hpp"

using ssetool::ClientResult;
using ssetool::TapeEnd;
using ssetool::TapeItem;

namespace {

// Records in a fresh file what `script` does with a TapeRecorder, and reads the tape back.
ssetool::Tape record(bool with_bytes, const std::function<void(ssetool::TapeRecorder&)>& script) {
  testsupport::TempDir dir;
  {
    ssetool::TapeWriter writer(dir.file("t.tape"));
    ssetool::TapeRecorder recorder(writer, with_bytes);
    script(recorder);
  }
  return ssetool::read_tape(dir.file("t.tape"));
}

ssetool::ResponseInfo response(int status) {
  ssetool::ResponseInfo info;
  info.status = status;
  info.headers = {{"Content-Type", status == 200 ? "text/event-stream" : "text/plain"}};
  info.accepted = status == 200;
  info.method = "GET";
  info.url = "http://127.0.0.1:1/events";
  return info;
}

ClientResult result(ClientResult::Reason reason, std::string body_start = "") {
  ClientResult r;
  r.reason = reason;
  r.body_start = std::move(body_start);
  return r;
}

}  // namespace

TEST_CASE("TapeRecorder: a response's header, frames, bytes and end", "[client][tape]") {
  ssetool::Tape tape = record(true, [](ssetool::TapeRecorder& recorder) {
    ssetool::ResponseInfo info = response(200);
    info.last_event_id = "41";
    recorder.response(info);
    recorder.frame({.data = "a", .id = "42"});
    recorder.bytes("id: 42\ndata: a\n\n");
    recorder.stream_end(ssetool::StreamEnd::dropped);
    recorder.response(response(200));
    recorder.stream_end(ssetool::StreamEnd::stopped);
  });
  REQUIRE(tape.responses.size() == 2);
  const ssetool::TapeResponse& first = tape.responses[0];
  CHECK(first.header.status == 200);
  CHECK(first.header.method == "GET");
  CHECK(first.header.url == "http://127.0.0.1:1/events");
  CHECK(first.header.last_event_id == "41");
  CHECK(first.header.started);
  REQUIRE(first.items.size() == 2);
  CHECK(first.items[0].kind == TapeItem::Kind::event);
  CHECK(first.items[0].event.data == "a");
  CHECK(first.items[0].event.id == "42");
  CHECK(first.items[1].kind == TapeItem::Kind::bytes);
  CHECK(first.items[1].bytes == "id: 42\ndata: a\n\n");
  CHECK(first.end == TapeEnd::dropped);
  CHECK_FALSE(tape.responses[1].header.last_event_id);
  CHECK(tape.responses[1].end == TapeEnd::stopped);
}

TEST_CASE("TapeRecorder: bytes only when asked", "[client][tape]") {
  ssetool::Tape tape = record(false, [](ssetool::TapeRecorder& recorder) {
    recorder.response(response(200));
    recorder.bytes("data: a\n\n");
    recorder.stream_end(ssetool::StreamEnd::complete);
  });
  REQUIRE(tape.responses.size() == 1);
  CHECK(tape.responses[0].items.empty());
  CHECK(tape.responses[0].end == TapeEnd::complete);
}

TEST_CASE("TapeRecorder: the end of a run records a rejected body, and ends a 204", "[client][tape]") {
  ssetool::Tape tape = record(false, [](ssetool::TapeRecorder& recorder) {
    recorder.response(response(401));
    recorder.run_end(result(ClientResult::Reason::rejected, "no entry"));
    recorder.response(response(204));
    recorder.run_end(result(ClientResult::Reason::no_content));
  });
  REQUIRE(tape.responses.size() == 2);
  CHECK(tape.responses[0].header.status == 401);
  REQUIRE(tape.responses[0].items.size() == 1);
  CHECK(tape.responses[0].items[0].bytes == "no entry");  // recorded although bytes were not asked for
  CHECK(tape.responses[0].end == TapeEnd::complete);
  CHECK(tape.responses[1].header.status == 204);
  CHECK(tape.responses[1].items.empty());
  CHECK(tape.responses[1].end == TapeEnd::complete);
}

TEST_CASE("TapeRecorder: a run that ended otherwise adds nothing", "[client][tape]") {
  ssetool::Tape tape = record(false, [](ssetool::TapeRecorder& recorder) {
    recorder.response(response(200));
    recorder.stream_end(ssetool::StreamEnd::complete);
    for (auto reason : {ClientResult::Reason::ended, ClientResult::Reason::stopped, ClientResult::Reason::failed})
      recorder.run_end(result(reason));
  });
  REQUIRE(tape.responses.size() == 1);
  REQUIRE(tape.responses[0].items.empty());
  CHECK(tape.responses[0].end == TapeEnd::complete);
}
