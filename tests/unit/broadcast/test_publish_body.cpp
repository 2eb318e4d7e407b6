// Unit tests for publish bodies: each Content-Type's decoding, and refusals naming the line, all or nothing.
#include <catch2/catch.hpp>

#include "ssetool/broadcast/publish_body.hpp"

using namespace ssetool;

namespace {

Request post(const std::string& content_type, const std::string& body) {
  Request r;
  r.method = "POST";
  r.path = "/events";
  if (!content_type.empty()) r.headers.emplace_back("Content-Type", content_type);
  r.body = body;
  return r;
}

int refusal_status(const Request& r) {
  try {
    decode_publish_body(r, std::nullopt);
  } catch (const PublishRefused& e) {
    return e.status;
  }
  return 0;
}

}  // namespace

TEST_CASE("publish body: the Content-Type chooses the decoder", "[publish]") {
  auto lines = decode_publish_body(post("", "a\r\nb"), std::string("log"));
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].data == "b");
  CHECK(lines[0].type == "log");
  CHECK(decode_publish_body(post("application/x-www-form-urlencoded", "curl -d"), {})[0].data == "curl -d");
  auto json = decode_publish_body(post("Application/JSON ; charset=utf-8", "{\"data\":[1,2],\"event\":\"e\"}"), {});
  REQUIRE(json.size() == 1);
  CHECK(json[0].data == "[1,2]");
  CHECK(json[0].type == "e");
  // as SSE input: an event is complete at its blank line (an unfinished one at the end is not sent)
  auto sse = decode_publish_body(post("text/event-stream", "data: x\n\ndata: y\n"), std::string("ignored"));
  REQUIRE(sse.size() == 1);
  CHECK(sse[0].data == "x");
  CHECK(!sse[0].type);
}

TEST_CASE("publish body: refusals name the line, an injected field is refused", "[publish]") {
  CHECK_THROWS_WITH(decode_publish_body(post("application/x-ndjson", "{}\n\n{\"data\": x}"), {}),
                    Catch::StartsWith("line 3:"));
  CHECK_THROWS_WITH(decode_publish_body(post("application/x-ndjson", "{\"id\":\"1\\nevent: x\",\"data\":\"d\"}"), {}),
                    Catch::StartsWith("line 1"));
  CHECK(refusal_status(post("application/x-ndjson", "{\"event\":\"a\\rb\"}")) == 400);
  CHECK(refusal_status(post("text/html", "<p>")) == 415);
  CHECK(refusal_status(post("text/plain", "")) == 400);
}
