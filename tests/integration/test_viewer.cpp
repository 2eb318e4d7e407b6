// Integration tests of the viewer page that `ssetool pipe` serves at GET /: the reply's headers, the stream path
// configured into the page, that no --path can break out of the page's script, and the stream's `replay-last`
// query parameter with which the page asks for recent history. (The page's behaviour in a browser is tested by
// tests/browser/test_viewer.mjs.)
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>

#include "server_metrics.hpp"
#include "testsupport.hpp"

using namespace testsupport;

namespace {

std::size_t count_ignoring_case(std::string text, std::string needle) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  text = lower(text);
  needle = lower(needle);
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

// The page's configuration: the JSON in <script type="application/json" id="config">.
nlohmann::json page_config(const std::string& page) {
  std::smatch m;
  REQUIRE(std::regex_search(page, m, std::regex(R"re(<script type="application/json" id="config"[^>]*>([^<]*)</script>)re")));
  return nlohmann::json::parse(m[1].str());
}

std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("viewer: GET / serves the page, configured with the stream path", "[viewer]") {
  auto server = start_ssetool({"pipe", "--path", "/custom/stream"});
  auto reply = http_request(server.port, "GET", "/");
  REQUIRE(reply.status == 200);
  CHECK(reply.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(reply.header("Cache-Control") == "no-cache");
  CHECK(reply.body.starts_with("<!doctype html>"));
  CHECK(reply.body.find("fetch(") != std::string::npos);  // it reads the stream itself: every event type
  CHECK(reply.body.find("EventSource(") == std::string::npos);
  CHECK(reply.body.find("?replay-last=") != std::string::npos);
  CHECK(page_config(reply.body) == nlohmann::json{{"path", "/custom/stream"}});
  SECTION("it needs nothing from elsewhere: no external script, style or font") {
    CHECK(reply.body.find("http://") == std::string::npos);
    CHECK(reply.body.find("https://") == std::string::npos);
    CHECK(reply.body.find(" src=") == std::string::npos);
  }
  SECTION("its Content-Security-Policy allows only its own script and style, by a nonce") {
    auto csp = reply.header("Content-Security-Policy");
    REQUIRE(csp);
    std::smatch m;
    REQUIRE(std::regex_search(*csp, m, std::regex("script-src 'nonce-([0-9a-f]{32})'")));
    CHECK(count_ignoring_case(reply.body, "<script nonce=\"" + m[1].str() + "\">") == 1);
    CHECK(http_request(server.port, "GET", "/").header("Content-Security-Policy") != csp);  // a fresh nonce
  }
}

TEST_CASE("viewer: a hostile --path cannot break out of the page's script", "[viewer]") {
  const std::string hostile = "/x</script><script>alert(1)</script><!--'\"\\\u2028&amp;\xff ?#";
  auto server = start_ssetool({"pipe", "--path", hostile});
  auto reply = http_request(server.port, "GET", "/");
  REQUIRE(reply.status == 200);
  // The page has exactly its own two script elements (the configuration and the code), and no comment opened.
  CHECK(count_ignoring_case(reply.body, "<script") == 2);
  CHECK(count_ignoring_case(reply.body, "</script") == 2);
  CHECK(reply.body.find("<!--") == std::string::npos);
  CHECK(reply.body.find("alert(1)") == std::string::npos);
  // The configured path is plain ASCII and, decoded, is the path given: the page connects to exactly that.
  std::string path = page_config(reply.body)["path"];
  CHECK(std::all_of(path.begin(), path.end(), [](unsigned char c) { return std::isalnum(c) || std::strchr("-._~/%", c); }));
  CHECK(percent_decode(path) == hostile);

  SECTION("the stream answers at the encoded path, as a browser sends it") {
    SseClient client(server.port, path);
    CHECK(client.status() == 200);
    server.process->write_stdin("through\n");
    auto event = client.next_event();
    REQUIRE(event);
    CHECK(event->data == "through");
  }
}

TEST_CASE("viewer: with --token the page, like the stream, needs the token", "[viewer]") {
  auto server = start_ssetool({"pipe", "--token", "s3cret"});
  CHECK(http_request(server.port, "GET", "/").status == 401);
  auto reply = http_request(server.port, "GET", "/?access_token=s3cret");
  CHECK(reply.status == 200);
  CHECK(reply.header("Referrer-Policy") == "no-referrer");  // the token in the page's URL is not passed on
}

namespace {

// `pipe` with events 1..5 published (ids 1..5) before any client connects.
SsetoolProcess pipe_with_five_events(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"pipe"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto server = start_ssetool(args, {.stdin_text = "e1\ne2\ne3\ne4\ne5\n"});
  REQUIRE(await_metric(server.port, "events_published_total", 5));
  return server;
}

// The ids of the events a client receives first, up to the event "live" sent once `clients` streams are open
// (subscribed: nothing published after that can push an old event out of the history before the client gets it).
std::string ids_until_live(SsetoolProcess& server, SseClient& client, long clients = 1) {
  REQUIRE(client.status() == 200);
  REQUIRE(await_metric(server.port, "clients_connected", clients));
  server.process->write_stdin("live\n");
  std::string ids;
  for (auto event = client.next_event(); event; event = client.next_event()) {
    if (event->data == "live") return ids;
    ids += (ids.empty() ? "" : ",") + event->last_event_id;
  }
  FAIL("the event 'live' never came; ids so far: " << ids);
  return ids;
}

}  // namespace

TEST_CASE("viewer: a stream request asks for recent history with ?replay-last=N", "[viewer][history]") {
  SECTION("without it, a client gets only new events (the server's --replay-last, 0 by default)") {
    auto server = pipe_with_five_events();
    SseClient client(server.port, "/events");
    CHECK(ids_until_live(server, client) == "");
  }
  SECTION("with it, the last N stored events come first, in order") {
    auto server = pipe_with_five_events();
    SseClient client(server.port, "/events?replay-last=2");
    CHECK(ids_until_live(server, client) == "4,5");
  }
  SECTION("it replaces the server's --replay-last for that request, 0 included") {
    auto server = pipe_with_five_events({"--replay-last", "3"});
    SseClient plain(server.port, "/events");
    SseClient none(server.port, "/events?replay-last=0");
    CHECK(ids_until_live(server, plain, 2) == "3,4,5");
    auto first = none.next_event();
    REQUIRE(first);
    CHECK(first->data == "live");
  }
  SECTION("it is bounded by --history, however large") {
    auto server = pipe_with_five_events({"--history", "2"});
    SseClient client(server.port, "/events?replay-last=99999999999999999999999");
    CHECK(ids_until_live(server, client) == "4,5");
  }
  SECTION("a Last-Event-ID takes precedence: the stream resumes after it") {
    auto server = pipe_with_five_events();
    SseClient client(server.port, "/events?replay-last=100", {{"Last-Event-ID", "3"}});
    CHECK(ids_until_live(server, client) == "4,5");
  }
}

TEST_CASE("viewer: a replay-last that is not a whole number is refused with 400 naming it", "[viewer][history]") {
  auto server = start_ssetool({"pipe"});
  for (std::string bad : {"abc", "-1", "", "1.5", "+3", "3%20"}) {
    INFO("replay-last=" << bad);
    auto reply = http_request(server.port, "GET", "/events?replay-last=" + bad);
    CHECK(reply.status == 400);
    CHECK(reply.body == "bad request: the query parameter replay-last must be a whole number of events (0 or more)\n");
  }
}
