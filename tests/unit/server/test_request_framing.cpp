// Unit tests for the loop's request framing: completeness (bodies included), chunked decoding, strict framing
// (RFC 9112), the size limits, and the normalised request handed to a worker.
#include <catch2/catch.hpp>

#include <string>

#include "ssetool/server/request_framing.hpp"

using ssetool::FramingLimits;
using ssetool::RequestFramer;
using Status = RequestFramer::Status;

namespace {

// Feeds everything at once and keeps feeding past head_ready; the final status.
Status frame_all(RequestFramer& f, std::string& input) {
  Status s = f.feed(input);
  while (s == Status::head_ready) s = f.feed(input);
  return s;
}

int refusal(const std::string& text, FramingLimits limits = {}) {
  RequestFramer f(limits);
  std::string input = text;
  Status s = frame_all(f, input);
  return s == Status::refused ? f.error_status() : 0;
}

}  // namespace

TEST_CASE("framing: a request is complete once its head and Content-Length body are in", "[framing]") {
  RequestFramer f({});
  std::string input = "GET / HTTP/1.1\r\nHost: x\r\n";
  CHECK(f.feed(input) == Status::incomplete);
  input += "\r\n";
  CHECK(f.feed(input) == Status::complete);
  CHECK(f.take_request() == "GET / HTTP/1.1\r\nHost: x\r\n\r\n");

  input = "POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab";
  CHECK(f.feed(input) == Status::head_ready);
  CHECK(f.feed(input) == Status::incomplete);
  input += "cdeGET";
  CHECK(f.feed(input) == Status::complete);
  CHECK(input == "GET");  // the next request's bytes stay
  CHECK(f.take_request() == "POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde");
}

TEST_CASE("framing: a POST without a body is complete at once, with Content-Length: 0", "[framing]") {
  RequestFramer f({});
  std::string input = "POST /x HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK(f.feed(input) == Status::complete);
  CHECK(f.take_request() == "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("framing: a chunked body is decoded on the loop, byte by byte too", "[framing]") {
  std::string wire =
      "POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\nNEXT";
  RequestFramer f({});
  std::string input;
  Status s = Status::incomplete;
  bool head_seen = false;
  for (char c : wire) {
    input += c;
    s = f.feed(input);
    if (s == Status::head_ready) {
      head_seen = true;
      CHECK(f.head().chunked);
      CHECK(f.head().expects_continue);
      s = f.feed(input);
    }
    if (s == Status::complete) break;
    REQUIRE(s == Status::incomplete);
  }
  CHECK(head_seen);
  REQUIRE(s == Status::complete);
  CHECK(f.body_size() == 11);
  CHECK(f.take_request() == "POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
  CHECK(input.empty());  // "NEXT" is still to come; nothing of it was consumed
}

TEST_CASE("framing: ambiguous or invalid framing is refused with 400", "[framing]") {
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n") == 400);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n") == 400);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n") == 400);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n") == 400);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\n") == 400);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n") == 400);
  CHECK(refusal("GET / HTTP/1.1\r\nHost : x\r\n\r\n") == 400);          // space before the colon
  CHECK(refusal("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n") == 400);  // obs-fold
  CHECK(refusal("GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n") == 400);
  CHECK(refusal("GET / HTTP/1.1\r\nX: y\r\n\r\n") == 400);             // HTTP/1.1 without Host
  CHECK(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
  CHECK(refusal("GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n") == 400);  // bare CR
  CHECK(refusal("GET / HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n") == 400);
  CHECK(refusal("GET  / HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  CHECK(refusal("GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n") == 400);
  CHECK(refusal("NONSENSE\r\n\r\n") == 400);
  CHECK(refusal("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == 505);
  CHECK(refusal("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 501);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == 400);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX") == 400);
  CHECK(refusal("GET / HTTP/1.0\r\n\r\n") == 0);  // HTTP/1.0 needs no Host
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc") == 0);
}

TEST_CASE("framing: limits on the head and the body (Content-Length or chunked)", "[framing]") {
  FramingLimits small{100, 10};
  CHECK(refusal("GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(200, 'a'), small) == 431);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", small) == 413);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", small) == 413);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n6\r\n", small) == 413);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", small) == 413);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(5000, '1'), small) ==
        400);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " + std::string(200, 'a'),
                small) == 431);
  CHECK(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789", small) == 0);
}

namespace {

// The one line a refusal's body carries ("" when the request is not refused).
std::string refusal_why(const std::string& text, FramingLimits limits = {}) {
  RequestFramer f(limits);
  std::string input = text;
  return frame_all(f, input) == Status::refused ? f.error_why() : "";
}

}  // namespace

// Issue 13: refusals were an empty 400; each now says what was wrong, in one line.
TEST_CASE("framing: every refusal says what was wrong", "[framing]") {
  CHECK(refusal_why("GET / HTTP/1.1\r\n\r\n") == "no Host header on HTTP/1.1, or more than one");
  CHECK(refusal_why("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == "only HTTP/1.1 and HTTP/1.0 are served");
  CHECK(refusal_why("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") ==
        "Content-Length headers that differ");
  CHECK(refusal_why("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n", {64 * 1024, 8}) ==
        "the Content-Length is over the server's --max-body");
  CHECK(refusal_why("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n") ==
        "a Transfer-Encoding other than one chunked");
  CHECK(refusal_why("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n") == "a folded header line");
  CHECK(refusal_why("GET / HTTP/1.1\r\nHost: x\r\n\r\n").empty());
}
