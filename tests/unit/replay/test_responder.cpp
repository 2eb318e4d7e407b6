// Unit tests for the replay request handler and its journal: the most specific match wins, --fail-first, short responses,
// a tape's responses in turn, the 404 listing, and the journal line for each request.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ssetool/replay/journal.hpp"
#include "ssetool/replay/recording_loader.hpp"
#include "ssetool/replay/responder.hpp"

using namespace ssetool;

namespace {

Request request(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

Route route(std::vector<std::string> methods, std::string path, std::shared_ptr<const Recording> recording = {}) {
  Route r;
  r.match.methods = std::move(methods);
  r.match.path = std::move(path);
  r.recording = std::move(recording);
  return r;
}

}  // namespace

TEST_CASE("responder: the first matching route answers, unmatched requests get the route listing", "[replay][responder]") {
  Route limited = route({"POST"}, "/v1/chat");
  limited.status = 429;
  limited.body = "{\"error\":\"slow down\"}";
  limited.content_type = "application/json";
  limited.headers = {{"Retry-After", "7"}};
  Route fallback = route({}, "/v1/*");
  fallback.status = 418;
  int done = 0;
  ReplayResponder responder({{limited, fallback}, 1, nullptr, {}, [&] { ++done; }});

  Reply a = responder.handle(request("POST", "/v1/chat"));
  CHECK(a.status == 429);
  CHECK(a.body == "{\"error\":\"slow down\"}");
  CHECK(a.content_type == "application/json");
  CHECK(a.headers == Headers{{"Retry-After", "7"}});
  CHECK(responder.handle(request("GET", "/v1/chat")).status == 418);

  Reply missing = responder.handle(request("GET", "/nowhere"));
  CHECK(missing.status == 404);
  CHECK(missing.body ==
        "ssetool replay: no route matches GET /nowhere\n"
        "Routes (the most specific match wins, then the first):\n"
        "  1. POST /v1/chat -> status 429\n"
        "  2. * /v1/* -> status 418\n");
  CHECK(done == 3);
}

TEST_CASE("responder: --fail-first fails the first N requests of a route, with Retry-After for 503", "[replay][responder]") {
  Route r = route({"GET"}, "/events", parse_recording("data: a\n\n", "a.sse"));
  r.fail_first = 2;
  ReplayResponder responder({{r}, 1, nullptr, {}, {}});
  for (int i = 1; i <= 2; ++i) {
    Reply failed = responder.handle(request("GET", "/events"));
    CHECK(failed.status == 503);
    CHECK(failed.headers == Headers{{"Retry-After", "1"}});
    CHECK(failed.body == "ssetool replay: simulated failure " + std::to_string(i) + " of 2 (--fail-first)\n");
    CHECK_FALSE(failed.open_stream);
  }
  Reply ok = responder.handle(request("GET", "/events"));
  CHECK(ok.status == 200);
  CHECK(ok.open_stream);
}

TEST_CASE("responder: a tape's responses are served in turn, the last one repeating", "[replay][responder]") {
  auto tape = parse_recording(
      "{\"tape\":1,\"status\":503,\"headers\":{\"Retry-After\":\"1\"}}\n{\"t\":0,\"bytes\":\"busy\"}\n"
      "{\"tape\":1,\"headers\":{\"X-Take\":\"2\"}}\n{\"t\":0,\"data\":\"a\"}\n",
      "two.tape");
  Route r = route({"GET"}, "/events", tape);
  r.headers = {{"X-Route", "r"}};
  ReplayResponder responder({{r}, 1, nullptr, {}, {}});
  Reply first = responder.handle(request("GET", "/events"));
  CHECK(first.status == 503);
  CHECK(first.body == "busy");
  CHECK(first.headers == Headers{{"Retry-After", "1"}, {"X-Route", "r"}});
  for (int i = 0; i < 2; ++i) {
    Reply next = responder.handle(request("GET", "/events"));
    CHECK(next.status == 200);
    CHECK(next.open_stream);
    CHECK(next.headers == Headers{{"X-Take", "2"}, {"X-Route", "r"}});
  }
}

TEST_CASE("journal: one JSON line with the request, the route and how it ended", "[replay][journal]") {
  JournalEntry e;
  e.request = 3;
  e.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714564800123));
  e.http.method = "POST";
  e.http.path = "/v1/chat";
  e.http.query = {{"a", "1"}, {"a", "2"}, {"b", "x"}};
  e.http.headers = {{"Content-Type", "application/json"}, {"X-Multi", "1"}, {"x-multi", "2"}};
  e.http.body = "{\"model\":\"m\"}";
  e.route = 2;
  e.route_name = "chat";
  e.status = 200;
  e.last_event_id = "4";
  e.resumed = true;
  e.events = 5;
  e.ended = "dropped";
  e.duration = std::chrono::microseconds(12345);
  auto line = nlohmann::json::parse(journal_line(e));
  CHECK(line["request"] == 3);
  CHECK(line["time"] == "2024-05-01T12:00:00.123Z");
  CHECK(line["method"] == "POST");
  CHECK(line["path"] == "/v1/chat");
  CHECK(line["query"] == nlohmann::json{{"a", "2"}, {"b", "x"}});
  CHECK(line["headers"] == nlohmann::json{{"content-type", "application/json"}, {"x-multi", "1, 2"}});
  CHECK(line["body"] == "{\"model\":\"m\"}");
  CHECK(line["route"] == 2);
  CHECK(line["route_name"] == "chat");
  CHECK(line["status"] == 200);
  CHECK(line["last_event_id"] == "4");
  CHECK(line["resumed"] == true);
  CHECK(line["events"] == 5);
  CHECK(line["ended"] == "dropped");
  CHECK(line["duration_ms"] == 12.3);

  JournalEntry unmatched;
  unmatched.http.body = "\xFF";
  auto other = nlohmann::json::parse(journal_line(unmatched));
  CHECK(other["route"].is_null());
  CHECK_FALSE(other.contains("last_event_id"));
  CHECK(other["body"] == "\xEF\xBF\xBD");
  CHECK(other["ended"] == "response");
}

// Issue 12: `replay --journal` wrote the server's own token.
TEST_CASE("journal: redacted headers (any case) and query parameters are written as [redacted]",
          "[replay][journal]") {
  JournalEntry e;
  e.http.method = "GET";
  e.http.path = "/events";
  e.http.query = {{"access_token", "s3cret"}, {"Access_Token", "kept"}, {"q", "1"}};
  e.http.headers = {{"Authorization", "Bearer s3cret"}, {"X-Api-Key", "k1"}, {"x-api-key", "k2"}, {"Accept", "*/*"}};
  JournalRedaction redaction{.headers = {"authorization", "x-api-key"}, .query = {"access_token"}};
  std::string text = journal_line(e, redaction);
  CHECK(text.find("s3cret") == std::string::npos);
  CHECK(text.find("k1") == std::string::npos);
  CHECK(text.find("k2") == std::string::npos);
  auto line = nlohmann::json::parse(text);
  CHECK(line["headers"] == nlohmann::json{{"authorization", "[redacted]"}, {"x-api-key", "[redacted]"},
                                          {"accept", "*/*"}});
  CHECK(line["query"] == nlohmann::json{{"access_token", "[redacted]"}, {"Access_Token", "kept"}, {"q", "1"}});
  // Without a redaction everything is written as it came.
  CHECK(nlohmann::json::parse(journal_line(e))["headers"]["authorization"] == "Bearer s3cret");
}
