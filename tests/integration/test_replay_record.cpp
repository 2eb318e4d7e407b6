// Integration tests of `ssetool replay --record-from URL --record DIR` (issue 18, item 5): a second ssetool
// (replay, started on port 0) is the upstream. Through the recorder a client gets the live stream event for event
// as the upstream sends it; a fresh `replay --routes DIR/routes.json` then plays the same events with the same
// timing (within a tolerance), matching POST bodies; Authorization and --redact headers reach the upstream but no
// file in DIR; upstream errors are passed through and recorded, a refused connect is a 502, a stream over
// --record-max-size is relayed but not saved, and a request over --record-max-calls gets 503.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// Events at 0, 400 and 800 ms, the end at 900 ms.
constexpr const char* kSlowTape =
    R"({"tape":1,"status":200,"headers":[["Content-Type","text/event-stream"],["X-Upstream","yes"]]})" "\n"
    R"({"t":0,"event":"tick","id":"1","data":"one"})" "\n"
    R"({"t":400,"event":"tick","id":"2","data":"two"})" "\n"
    R"({"t":800,"event":"tick","id":"3","data":"three"})" "\n"
    R"({"t":900,"end":"complete"})" "\n";

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every file in `dir` (tapes, routes.json, anything left over), concatenated.
std::string everything_in(const std::string& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) all += slurp(entry.path());
  return all;
}

// Waits (bounded) until the recorder says it saved ("recorded ...") or skipped ("not recorded: ...") `n` exchanges.
void wait_for_notes(SsetoolProcess& recorder, std::size_t n) {
  REQUIRE(recorder.process->wait_for_stderr([n](const std::string& err) {
    std::size_t found = 0;
    for (std::size_t at = err.find("recorded"); at != std::string::npos; at = err.find("recorded", at + 1)) ++found;
    return found >= n;
  }));
}

// The upstream's journal once it holds `lines` requests: a stream is journaled when it ends on the upstream's side,
// which may be after the recorder has seen its end (bounded wait; the file is all there is to watch).
std::string read_journal(const std::string& path, std::size_t lines) {
  auto deadline = Clock::now() + 20s;
  std::string text;
  do {
    text = slurp(path);
    if (static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) >= lines) break;
    std::this_thread::sleep_for(5ms);
  } while (Clock::now() < deadline);
  return text;
}

struct TimedEvent {
  ssetool::ParsedEvent event;
  Clock::time_point at;
};

std::vector<TimedEvent> read_timed(SseClient& client, std::size_t n) {
  std::vector<TimedEvent> out;
  for (std::size_t i = 0; i < n; ++i) {
    auto event = client.next_event();
    if (!event) break;
    out.push_back({std::move(*event), Clock::now()});
  }
  return out;
}

double gap_ms(const TimedEvent& a, const TimedEvent& b) {
  return std::chrono::duration<double, std::milli>(b.at - a.at).count();
}

std::vector<ssetool::ParsedEvent> parse_body(const std::string& body) {
  std::vector<ssetool::ParsedEvent> events;
  ssetool::Parser parser({[&](ssetool::ParsedEvent&& e) { events.push_back(std::move(e)); }, {}, {}});
  parser.feed(body);
  return events;
}

std::string upstream_url(const SsetoolProcess& upstream) { return "http://127.0.0.1:" + std::to_string(upstream.port); }

}  // namespace

TEST_CASE("replay --record-from relays the upstream's stream live, then replays the tape with the same timing",
          "[replay][record][concurrency]") {
  TempDir work;
  std::string dir = work.file("tapes");
  auto upstream = start_replay({work.write("slow.tape", kSlowTape), "--journal", work.file("upstream.ndjson")});
  auto recorder = start_replay({"--record-from", upstream_url(upstream), "--record", dir, "--redact", "X-Api-Key",
                                "--journal", work.file("recorder.ndjson")});
  const Headers secrets = {{"Authorization", "Bearer s3cret-token"}, {"X-Api-Key", "k3y-s3cret"}};

  // Live: each event arrives when the upstream sends it, not when the upstream's response is over.
  std::vector<TimedEvent> live;
  {
    SseClient client(recorder.port, "/events?room=1", secrets);
    CHECK(client.status() == 200);
    CHECK(client.header("Content-Type") == "text/event-stream");
    CHECK(client.header("X-Upstream") == "yes");
    live = read_timed(client, 3);
    CHECK(client.wait_end());
    CHECK(client.comments().empty());  // no heartbeat of the recorder's own: the upstream's bytes only
  }
  REQUIRE(live.size() == 3);
  CHECK(gap_ms(live[0], live[1]) >= 300);  // recorded 400 ms apart
  CHECK(gap_ms(live[0], live[2]) >= 700);
  wait_for_notes(recorder, 1);

  // The upstream got the secrets; nothing in DIR has them, and the recorder's journal redacts them.
  std::string upstream_journal = read_journal(work.file("upstream.ndjson"), 1);
  CHECK_THAT(upstream_journal, Catch::Contains("Bearer s3cret-token"));
  CHECK_THAT(upstream_journal, Catch::Contains("k3y-s3cret"));
  CHECK_THAT(upstream_journal, Catch::Contains("\"path\":\"/events\"") && Catch::Contains("\"room\":\"1\""));
  std::string recorded = everything_in(dir);
  CHECK_THAT(recorded, !Catch::Contains("s3cret"));
  CHECK_THAT(recorded, Catch::Contains("\"tape\":1"));
  std::string recorder_journal = read_journal(work.file("recorder.ndjson"), 1);
  CHECK_THAT(recorder_journal, Catch::Contains("--record-from"));
  CHECK_THAT(recorder_journal, !Catch::Contains("s3cret"));
  recorder.process->signal(SIGTERM);
  CHECK(recorder.process->wait() == 0);
  upstream.process->signal(SIGTERM);
  CHECK(upstream.process->wait() == 0);

  // Offline: the same events, ids and types, with the recorded gaps.
  auto offline = start_replay({"--routes", dir + "/routes.json"});
  SseClient client(offline.port, "/events?room=1");
  CHECK(client.status() == 200);
  CHECK(client.header("X-Upstream") == "yes");
  auto replayed = read_timed(client, 3);
  CHECK(client.wait_end());
  REQUIRE(replayed.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(replayed[i].event.data == live[i].event.data);
    CHECK(replayed[i].event.type == live[i].event.type);
    CHECK(replayed[i].event.last_event_id == live[i].event.last_event_id);
  }
  CHECK(gap_ms(replayed[0], replayed[1]) == Approx(gap_ms(live[0], live[1])).margin(150));
  CHECK(gap_ms(replayed[0], replayed[2]) == Approx(gap_ms(live[0], live[2])).margin(150));
  // Another query is another request: the offline replay does not know it.
  CHECK(http_request(offline.port, "GET", "/events?room=2").status == 404);
}

TEST_CASE("replay --record-from with --token: replay's own token is neither forwarded nor recorded",
          "[replay][record]") {
  TempDir work;
  std::string dir = work.file("tapes");
  auto upstream = start_replay({"-r", "GET /a=" + work.write("a.sse", "data: a\n\n"), "-r",
                                "GET /b=" + work.write("b.sse", "data: b\n\n"), "--journal",
                                work.file("upstream.ndjson")});
  auto recorder = start_replay({"--record-from", upstream_url(upstream), "--record", dir, "--token", "r3play-own"});
  // The token as a header (the upstream's own key in another header), then as a query parameter.
  SseClient by_header(recorder.port, "/a?x=1", {{"Authorization", "Bearer r3play-own"}, {"X-Api-Key", "up-key"}});
  CHECK(by_header.status() == 200);
  CHECK(data_of({*by_header.next_event()}) == std::vector<std::string>{"a"});
  CHECK(by_header.wait_end());
  SseClient by_query(recorder.port, "/b?access_token=r3play-own&y=2");
  CHECK(by_query.status() == 200);
  CHECK(data_of({*by_query.next_event()}) == std::vector<std::string>{"b"});
  CHECK(by_query.wait_end());
  wait_for_notes(recorder, 2);
  CHECK(http_request(recorder.port, "GET", "/a?x=1").status == 401);  // replay still asks for its token

  std::string upstream_journal = read_journal(work.file("upstream.ndjson"), 2);
  CHECK_THAT(upstream_journal, Catch::Contains("up-key") && Catch::Contains("\"x\":\"1\"") &&
                                   Catch::Contains("\"y\":\"2\""));
  CHECK_THAT(upstream_journal, !Catch::Contains("r3play-own") && !Catch::Contains("access_token"));
  CHECK_THAT(everything_in(dir), !Catch::Contains("r3play-own") && !Catch::Contains("access_token"));
}

TEST_CASE("replay --record matches POST bodies: each JSON body replays its own answer, another body gets 404",
          "[replay][record]") {
  TempDir work;
  std::string dir = work.file("tapes");
  auto upstream = start_replay({"--preset", "openai-chat", "--text", "Hello there"});
  auto recorder = start_replay({"--record-from", upstream_url(upstream), "--record", dir});
  const Headers json = {{"Content-Type", "application/json"}};
  auto ask = [&](int port, const std::string& model) {
    return http_request(port, "POST", "/v1/chat/completions", json,
                        R"({"model":")" + model + R"(","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  };
  auto live_a = ask(recorder.port, "model-a");
  auto live_b = ask(recorder.port, "model-b");
  REQUIRE(live_a.status == 200);
  REQUIRE(live_b.status == 200);
  wait_for_notes(recorder, 2);
  CHECK(std::filesystem::exists(dir + "/0001-post-v1-chat-completions.tape"));
  CHECK(std::filesystem::exists(dir + "/0002-post-v1-chat-completions.tape"));

  auto offline = start_replay({"--routes", dir + "/routes.json", "--speed", "0"});
  auto again_b = ask(offline.port, "model-b");
  auto again_a = ask(offline.port, "model-a");
  CHECK(again_a.body == live_a.body);  // byte for byte: the preset's ids and the model echoed
  CHECK(again_b.body == live_b.body);
  CHECK_THAT(again_b.body, Catch::Contains("model-b"));
  CHECK(parse_body(again_a.body).back().data == "[DONE]");
  auto other = ask(offline.port, "model-c");
  CHECK(other.status == 404);
  CHECK_THAT(other.body, Catch::Contains("no route matches POST /v1/chat/completions"));
}

TEST_CASE("replay --record passes an upstream error through and records it, a refused connect is a 502",
          "[replay][record]") {
  TempDir work;
  std::string dir = work.file("tapes");
  SECTION("a 429 with a JSON body") {
    std::string routes = work.write(
        "routes.json", R"([{"match": {"path": "/limited"}, "status": 429, "body": {"error": "slow down"}}])");
    auto upstream = start_replay({"--routes", routes});
    auto recorder = start_replay({"--record-from", upstream_url(upstream), "--record", dir});
    auto live = http_request(recorder.port, "GET", "/limited");
    CHECK(live.status == 429);
    CHECK(live.header("Content-Type") == "application/json");
    CHECK(nlohmann::json::parse(live.body)["error"] == "slow down");
    wait_for_notes(recorder, 1);
    auto offline = start_replay({"--routes", dir + "/routes.json"});
    auto again = http_request(offline.port, "GET", "/limited");
    CHECK(again.status == 429);
    CHECK(again.body == live.body);
  }
  SECTION("nothing listens upstream") {
    auto recorder = start_replay({"--record-from", "http://127.0.0.1:1", "--record", dir});
    auto response = http_request(recorder.port, "GET", "/events");
    CHECK(response.status == 502);
    CHECK(response.body == "ssetool replay: --record-from http://127.0.0.1:1: connect 127.0.0.1:1: connection refused\n");
    wait_for_notes(recorder, 1);
    CHECK_FALSE(std::filesystem::exists(dir + "/routes.json"));
  }
  SECTION("an https upstream: its certificate is verified") {
    auto certificate = make_self_signed_certificate(work);
    auto upstream = start_ssetool({"replay", work.write("slow.tape", kSlowTape), "--listen", "https://127.0.0.1:0",
                                   "--tls-cert", certificate.cert_path, "--tls-key", certificate.key_path,
                                   "--port-file", work.file("tls-port")},
                                  {.listen = false});
    REQUIRE(upstream.process->wait_for_stderr("serving https://"));
    std::string port = work.read("tls-port");
    while (!port.empty() && !std::isdigit(static_cast<unsigned char>(port.back()))) port.pop_back();
    auto recorder = start_replay({"--record-from", "https://localhost:" + port, "--record", dir});
    auto response = http_request(recorder.port, "GET", "/events");
    CHECK(response.status == 502);
    CHECK_THAT(response.body, Catch::Contains("TLS certificate of localhost:" + port + " does not verify"));
    // Trusted (OpenSSL's SSL_CERT_FILE), the same upstream is relayed and recorded.
    auto trusting = start_ssetool({"replay", "--record-from", "https://localhost:" + port, "--record", dir},
                                  {.env = {{"SSL_CERT_FILE", certificate.cert_path}}});
    SseClient client(trusting.port, "/events");
    CHECK(client.status() == 200);
    CHECK(data_of(client.events_until(3)) == std::vector<std::string>{"one", "two", "three"});
    CHECK(client.wait_end());
    wait_for_notes(trusting, 1);
    CHECK(std::filesystem::exists(dir + "/routes.json"));
  }
}

TEST_CASE("replay --record limits: a stream over --record-max-size is relayed but not saved, --record-max-calls gets 503",
          "[replay][record]") {
  TempDir work;
  std::string dir = work.file("tapes");
  auto upstream = start_replay({work.write("slow.tape", kSlowTape)});
  SECTION("--record-max-size") {
    auto recorder =
        start_replay({"--record-from", upstream_url(upstream), "--record", dir, "--record-max-size", "40"});
    SseClient client(recorder.port, "/events");
    CHECK(client.events_until(3).size() == 3);
    CHECK(client.wait_end());
    REQUIRE(recorder.process->wait_for_stderr("not recorded: GET /events: its body exceeds --record-max-size"));
    CHECK_FALSE(std::filesystem::exists(dir + "/routes.json"));
    CHECK(std::filesystem::is_empty(dir));  // no tape, no partial file left
  }
  SECTION("--record-max-calls") {
    auto recorder =
        start_replay({"--record-from", upstream_url(upstream), "--record", dir, "--record-max-calls", "1"});
    SseClient first(recorder.port, "/events");
    REQUIRE(first.next_event());  // the one upstream call is under way
    auto second = http_request(recorder.port, "GET", "/events");
    CHECK(second.status == 503);
    CHECK(second.header("Retry-After") == "1");
    CHECK_THAT(second.body, Catch::Contains("--record-max-calls"));
    CHECK(first.wait_end());
  }
}

TEST_CASE("replay --record-from: usage errors exit 2 with one line", "[replay][record]") {
  auto fails = [](std::vector<std::string> args) {
    args.insert(args.begin(), {ssetool_binary(), "replay", "--listen", "127.0.0.1:0"});
    Process process(args);
    auto status = process.wait();
    return std::make_pair(status, process.stderr_text());
  };
  CHECK(fails({"--record-from", "http://127.0.0.1:9"}) ==
        std::make_pair(std::optional<int>(2),
                       std::string("ssetool: replay: --record-from: give the directory to record into with --record DIR\n")));
  auto [status, err] = fails({"--record-from", "ftp://x", "--record", "/tmp/x"});
  CHECK(status == 2);
  CHECK_THAT(err, Catch::StartsWith("ssetool: replay: --record-from invalid URL 'ftp://x'"));
}
