// Unit tests of the bytes the loop writes for a deferred reply (server/reply_bytes.hpp).
#include <catch2/catch.hpp>

#include "ssetool/server/reply_bytes.hpp"

using namespace ssetool;

TEST_CASE("reply_bytes: a short reply with its length, kept alive or closed", "[server][reply]") {
  Reply reply = Reply::text(200, "{\"ok\":true}\n");
  reply.content_type = "application/json";
  reply.headers.emplace_back("Mcp-Session-Id", "abc");
  CHECK(reply_bytes(reply, true, false) ==
        "HTTP/1.1 200 OK\r\nMcp-Session-Id: abc\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n"
        "{\"ok\":true}\n");
  CHECK(reply_bytes(reply, false, true) ==
        "HTTP/1.1 200 OK\r\nMcp-Session-Id: abc\r\nConnection: close\r\nContent-Type: application/json\r\n"
        "Content-Length: 12\r\n\r\n");  // HEAD: the length, no body
  CHECK(reply_bytes(Reply::text(202, ""), true, false) ==
        "HTTP/1.1 202 Accepted\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 0\r\n\r\n");
  CHECK(reply_bytes(Reply::text(204, ""), true, false) == "HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(reply_bytes(Reply::text(599, "x"), true, false).rfind("HTTP/1.1 599 Unknown\r\n", 0) == 0);
}

TEST_CASE("stream_head_bytes: an event stream's head, chunked unless HTTP/1.0", "[server][reply]") {
  Reply stream = Reply::stream([](Session&) {});
  stream.headers.emplace_back("Cache-Control", "no-cache");
  CHECK(stream_head_bytes(stream, true) ==
        "HTTP/1.1 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/event-stream\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
  CHECK(stream_head_bytes(stream, false).find("Transfer-Encoding") == std::string::npos);
}

TEST_CASE("stream_head_bytes: a stream whose connection is kept says no Connection: close (chunked only)",
          "[server][reply]") {
  Reply stream = Reply::stream([](Session&) {});
  CHECK(stream_head_bytes(stream, true, true) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
  CHECK(stream_head_bytes(stream, false, true).find("Connection: close\r\n") != std::string::npos);
}
