// Integration tests of pipe's HTTP publish (--publish): bodies of each Content-Type become events for every
// client, ids come back in the 202, the publish token is its own (not the readers'), and bad bodies are refused
// with the line named, nothing of them published.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

const Headers kPublisher = {{"Authorization", "Bearer pub-secret"}};

Headers publisher_with(const std::string& content_type) {
  Headers h = kPublisher;
  h.emplace_back("Content-Type", content_type);
  return h;
}

SsetoolProcess start_publishing(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--publish", "--publish-token", "pub-secret", "--on-eof", "stay"};
  args.insert(args.end(), extra.begin(), extra.end());
  return start_pipe(args);
}

}  // namespace

TEST_CASE("pipe --publish: each content type becomes events for every client, ids answered in the 202",
          "[pipe][publish]") {
  auto server = start_publishing();
  SseClient client(server.port, "/events");
  REQUIRE(await_metric(server.port, "clients_connected", 1));

  auto lines = http_request(server.port, "POST", "/events", publisher_with("text/plain"), "one\ntwo\n");
  CHECK(lines.status == 202);
  CHECK(lines.header("Content-Type") == "application/json");
  CHECK(nlohmann::json::parse(lines.body) == nlohmann::json{{"ids", {"1", "2"}}});
  auto ndjson = http_request(server.port, "POST", "/events", publisher_with("application/x-ndjson"),
                             "{\"event\":\"tick\",\"data\":{\"n\":3}}\n");
  CHECK(nlohmann::json::parse(ndjson.body) == nlohmann::json{{"ids", {"3"}}});
  auto json = http_request(server.port, "POST", "/events", publisher_with("application/json; charset=utf-8"),
                           "{\"data\":\"four\"}");
  CHECK(json.status == 202);
  auto sse = http_request(server.port, "POST", "/events", publisher_with("text/event-stream"),
                          "event: note\ndata: five\ndata: 5\n\n");
  CHECK(nlohmann::json::parse(sse.body) == nlohmann::json{{"ids", {"5"}}});

  auto events = client.events_until(5);
  REQUIRE(events.size() == 5);
  CHECK(events[0].data == "one");
  CHECK(events[1].data == "two");
  CHECK(events[2].type == "tick");
  CHECK(events[2].data == "{\"n\":3}");
  CHECK(events[3].data == "four");
  CHECK(events[4].type == "note");
  CHECK(events[4].data == "five\n5");
  CHECK(events[4].last_event_id == "5");
  CHECK(await_metric(server.port, "publish_requests_total", 4));
}

TEST_CASE("pipe --publish: only the publish token publishes, the readers' token does not", "[pipe][publish]") {
  auto server = start_publishing({"--token", "reader-secret"});
  CHECK(http_request(server.port, "POST", "/events", {}, "x\n").status == 401);
  CHECK(http_request(server.port, "POST", "/events", {{"Authorization", "Bearer wrong"}}, "x\n").status == 401);
  CHECK(http_request(server.port, "POST", "/events", {{"Authorization", "Bearer reader-secret"}}, "x\n").status ==
        401);
  CHECK(http_request(server.port, "POST", "/events?access_token=pub-secret", {}, "x\n").status == 401);
  // the publish token opens no stream
  CHECK(http_request(server.port, "GET", "/metrics", kPublisher).status == 401);
  CHECK(http_request(server.port, "POST", "/events", kPublisher, "x\n").status == 202);
  SseClient reader(server.port, "/events?replay-last=10", {{"Authorization", "Bearer reader-secret"}});
  CHECK(reader.status() == 200);
  auto events = reader.events_until(1);
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "x");
}

TEST_CASE("pipe --publish: bad bodies are refused naming the line, nothing of them published, injection refused",
          "[pipe][publish]") {
  auto server = start_publishing({"--max-publish", "1KiB"});
  auto bad_json = http_request(server.port, "POST", "/events", publisher_with("application/x-ndjson"),
                               "{\"data\":\"ok\"}\n{\"data\": nope}\n");
  CHECK(bad_json.status == 400);
  CHECK_THAT(bad_json.body, Catch::Contains("line 2"));
  auto crlf_id = http_request(server.port, "POST", "/events", publisher_with("application/x-ndjson"),
                              "{\"data\":\"a\",\"id\":\"7\\r\\nevent: evil\"}\n");
  CHECK(crlf_id.status == 400);
  CHECK_THAT(crlf_id.body, Catch::Contains("line 1"));
  auto lf_event = http_request(server.port, "POST", "/events", publisher_with("application/json"),
                               "{\"data\":\"a\",\"event\":\"x\\ndata: injected\"}");
  CHECK(lf_event.status == 400);
  CHECK(http_request(server.port, "POST", "/events", publisher_with("image/png"), "x").status == 415);
  CHECK(http_request(server.port, "POST", "/events", kPublisher, "").status == 400);
  CHECK(http_request(server.port, "POST", "/events", kPublisher, std::string(2048, 'a')).status == 413);
  // none of the refused bodies reached the stream: the next event is the first one
  CHECK(http_request(server.port, "POST", "/events", kPublisher, "first\n").body == "{\"ids\":[\"1\"]}\n");
  SseClient client(server.port, "/events?replay-last=100");
  auto events = client.events_until(1);
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "first");
  CHECK(!client.next_event(300ms));
}

TEST_CASE("pipe: --publish needs its own token, backplane flags are checked", "[pipe][publish]") {
  auto usage_error = [](std::vector<std::string> args) {
    args.insert(args.begin(), {ssetool_binary(), "pipe"});
    Process process(args);
    process.close_stdin();
    CHECK(process.wait() == 2);
    return process.stderr_text();
  };
  CHECK_THAT(usage_error({"--publish"}), Catch::Contains("--publish: needs --publish-token"));
  CHECK_THAT(usage_error({"--publish", "--publish-token", "t", "--token", "t"}),
             Catch::Contains("must differ from --token"));
  CHECK_THAT(usage_error({"--backplane", "http://127.0.0.1:6379"}), Catch::Contains("--backplane 'http://"));
  CHECK_THAT(usage_error({"--channel", "c"}), Catch::Contains("--channel: needs --backplane"));
  CHECK_THAT(usage_error({"--input", "none"}), Catch::Contains("--input none: needs --backplane or --publish"));
}
