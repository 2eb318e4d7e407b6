// Integration tests of `pipe --backplane`: several nodes sharing one stream through a real redis-server started by
// the test (tests/support/redis_server.hpp) — the same events, order and ids on every node, resume on another node
// (and the gap event for an id trimmed away; a client ahead of the node it moves to waiting for that node to catch
// up; a node falling behind the trimmed stream telling its clients so), the end record, Redis unreachable at
// start, a Redis restart in the middle of a stream (nothing lost or repeated, the input paused, publish and /healthz
// answering 503), and nginx round-robin in front of three nodes while one is killed.
#include <catch2/catch.hpp>

#include <csignal>
#include <sstream>
#include <sys/stat.h>
#include <nlohmann/json.hpp>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

const Headers kPublisher = {{"Authorization", "Bearer pub"}};

std::string numbered_lines(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) s += std::to_string(i) + "\n";
  return s;
}

// Polls (every 10 ms, bounded) until GET path answers `status`.
bool await_status(int port, const std::string& path, int status, std::chrono::milliseconds timeout = kDefaultTimeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (http_request(port, "GET", path).status == status) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::string backplane_data() { return std::string(SSETOOL_TEST_DATA) + "/backplane"; }

bool eventsource_installed() {
  struct stat st {};
  return ::stat((backplane_data() + "/node_modules/eventsource/package.json").c_str(), &st) == 0;
}

std::string url_of(const SsetoolProcess& node) { return "http://127.0.0.1:" + std::to_string(node.port) + "/events"; }

std::vector<std::string> numbers(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(std::to_string(i));
  return out;
}

}  // namespace

TEST_CASE("pipe --backplane: three nodes serve the same events in the same order with the same ids, and end together",
          "[pipe][backplane][concurrency]") {
  RedisServer redis;
  auto a = start_pipe({"--backplane", redis.url(), "--on-eof", "close"});
  auto b = start_pipe({"--backplane", redis.url(), "--input", "none", "--publish", "--publish-token", "pub"});
  auto c = start_pipe({"--backplane", redis.url(), "--input", "none"});
  std::vector<std::unique_ptr<SseClient>> clients;
  for (auto* node : {&a, &b, &c}) {
    clients.push_back(std::make_unique<SseClient>(node->port, "/events"));
    REQUIRE(await_metric(node->port, "clients_connected", 1));
  }
  // and the npm `eventsource` client on each node (scripts/test installs it)
  if (!eventsource_installed()) FAIL("npm eventsource not installed: run npm ci --prefix tests/data/backplane");
  Process browsers({"node", backplane_data() + "/read_events.mjs", "6", url_of(a), url_of(b), url_of(c)});
  REQUIRE(browsers.wait_for_stderr("connected"));
  a.process->write_stdin("a1\na2\na3\n");
  auto posted = http_request(b.port, "POST", "/events", kPublisher, "b1\nb2\n");
  REQUIRE(posted.status == 202);
  auto posted_ids = nlohmann::json::parse(posted.body)["ids"].get<std::vector<std::string>>();
  REQUIRE(posted_ids.size() == 2);
  a.process->write_stdin("a4\n");

  auto first = clients[0]->events_until(6);
  REQUIRE(first.size() == 6);
  for (auto& client : clients) {
    auto events = client.get() == clients[0].get() ? first : client->events_until(6);
    REQUIRE(events.size() == 6);
    CHECK(data_of(events) == data_of(first));
    CHECK(ids_of(events) == ids_of(first));
  }
  std::vector<std::string> ids = ids_of(first);
  for (std::size_t i = 0; i < first.size(); ++i) {
    CHECK_THAT(ids[i], Catch::Matches("[0-9]+-[0-9]+"));
    if (first[i].data == "b1") CHECK(ids[i] == posted_ids[0]);
    if (first[i].data == "b2") CHECK(ids[i] == posted_ids[1]);
  }
  REQUIRE(browsers.wait(20s) == 0);
  std::istringstream lines(browsers.stdout_text());
  int nodes_read = 0;
  for (std::string line; std::getline(lines, line); ++nodes_read) {
    auto read = nlohmann::json::parse(line)["events"];
    REQUIRE(read.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
      CHECK(read[i][0] == ids[i]);
      CHECK(read[i][1] == first[i].data);
    }
  }
  CHECK(nodes_read == 3);
  // the stdin publisher's end (--on-eof close) ends every node's streams, cleanly
  a.process->close_stdin();
  for (auto& client : clients) CHECK(client->wait_end());
  for (auto* node : {&a, &b, &c}) CHECK(node->process->wait() == 0);
}

TEST_CASE("pipe --backplane: a client resumes on another node, an id trimmed away gets a gap event",
          "[pipe][backplane]") {
  RedisServer redis;
  auto a = start_pipe({"--backplane", redis.url(), "--history", "4", "--on-eof", "stay"});
  SseClient reader(a.port, "/events");
  REQUIRE(await_metric(a.port, "clients_connected", 1));
  a.process->write_stdin(numbered_lines(1, 10));
  auto seen = reader.events_until(10);
  REQUIRE(seen.size() == 10);
  // node b keeps 2 events itself: the rest of a resume comes from Redis
  auto b = start_pipe({"--backplane", redis.url(), "--history", "2", "--input", "none"});
  SseClient resumed(b.port, "/events", {{"Last-Event-ID", seen[5].last_event_id}});
  auto rest = resumed.events_until(4);
  CHECK(data_of(rest) == numbers(7, 10));
  std::vector<std::string> seen_ids = ids_of(seen);
  CHECK(ids_of(rest) == std::vector<std::string>(seen_ids.begin() + 6, seen_ids.end()));
  a.process->write_stdin("11\n");
  auto live = resumed.next_event();
  REQUIRE(live);
  CHECK(live->data == "11");

  // appends trim the stream to about --history + 1000 entries plus the batch: two more batches trim the first
  // entries away, and a resume from the first one is told so
  a.process->write_stdin(numbered_lines(12, 1300));
  REQUIRE(reader.events_until(1290, 20s).size() == 1290);
  a.process->write_stdin(numbered_lines(1301, 1400));
  REQUIRE(resumed.events_until(1389, 20s).size() == 1389);  // b has read everything
  SseClient too_old(b.port, "/events", {{"Last-Event-ID", seen[0].last_event_id}});
  auto gap = too_old.next_event();
  REQUIRE(gap);
  CHECK(gap->type == "gap");
  CHECK_THAT(gap->data, Catch::Contains(seen[0].last_event_id));
  auto after_gap = too_old.next_event();
  REQUIRE(after_gap);
  int oldest = std::stoi(after_gap->data);
  CHECK(oldest > 2);
  auto following = too_old.events_until(static_cast<std::size_t>(1400 - oldest), 20s);
  CHECK(data_of(following) == numbers(oldest + 1, 1400));
}

TEST_CASE("pipe --backplane: a client ahead of the node it resumes on waits until the node has read up to its id, then "
          "gets exactly what follows",
          "[pipe][backplane]") {
  RedisServer redis;
  REQUIRE(redis_command(redis.port(), "ACL SETUSER lagging on >pw ~* +@all") == "+OK");
  auto a = start_pipe({"--backplane", redis.url(), "--on-eof", "stay"});
  auto b = start_pipe({"--backplane", "redis://lagging:pw@127.0.0.1:" + std::to_string(redis.port()), "--input",
                       "none"});
  SseClient on_a(a.port, "/events");
  REQUIRE(await_metric(a.port, "clients_connected", 1));
  // b's reader may no longer XREAD (its resume lookups, XRANGE, still may): b stays behind a
  REQUIRE(redis_command(redis.port(), "ACL SETUSER lagging -xread") == "+OK");
  REQUIRE(await_metric(b.port, "backplane_up", 0));
  a.process->write_stdin(numbered_lines(1, 10));
  auto seen = on_a.events_until(10);
  REQUIRE(seen.size() == 10);
  REQUIRE(metric(b.port, "backplane_read_total") == 0);

  // a's client moves to b with the id of event 5, which b has not read: it waits, its stream open
  SseClient moved(b.port, "/events", {{"Last-Event-ID", seen[4].last_event_id}});
  CHECK(moved.status() == 200);
  REQUIRE(await_metric(b.port, "clients_connected", 1));
  CHECK(!moved.next_event(300ms));
  // b reads again and catches up: the client gets exactly the events after its id, then the live ones
  REQUIRE(redis_command(redis.port(), "ACL SETUSER lagging +xread") == "+OK");
  auto rest = moved.events_until(5);
  CHECK(data_of(rest) == numbers(6, 10));
  std::vector<std::string> seen_ids = ids_of(seen);
  CHECK(ids_of(rest) == std::vector<std::string>(seen_ids.begin() + 5, seen_ids.end()));
  CHECK(await_metric(b.port, "backplane_up", 1));  // and says it is up again once it reads
  a.process->write_stdin("11\n");
  auto live = moved.next_event();
  REQUIRE(live);
  CHECK(live->data == "11");

  // an id past the stream's newest entry was never given by it: no waiting for it, the gap event at once
  SseClient invented(b.port, "/events", {{"Last-Event-ID", "99999999999999-0"}});
  auto gap = invented.next_event();
  REQUIRE(gap);
  CHECK(gap->type == "gap");
  CHECK_THAT(gap->data, Catch::Contains("99999999999999-0"));
}

TEST_CASE("pipe --backplane: a node that falls behind the trimmed stream tells its clients with a gap event, then "
          "serves the newest events",
          "[pipe][backplane]") {
  RedisServer redis;
  REQUIRE(redis_command(redis.port(), "ACL SETUSER lagging on >pw ~* +@all") == "+OK");
  auto a = start_pipe({"--backplane", redis.url(), "--history", "10", "--on-eof", "stay"});
  auto b = start_pipe({"--backplane", "redis://lagging:pw@127.0.0.1:" + std::to_string(redis.port()), "--history",
                       "10", "--input", "none"});
  SseClient on_a(a.port, "/events");
  SseClient on_b(b.port, "/events");
  REQUIRE(await_metric(a.port, "clients_connected", 1));
  REQUIRE(await_metric(b.port, "clients_connected", 1));
  a.process->write_stdin(numbered_lines(1, 5));
  auto first = on_b.events_until(5);
  REQUIRE(data_of(first) == numbers(1, 5));

  // b's reader may no longer read while a appends far more than the stream keeps (--history + 1000 + a batch)
  REQUIRE(redis_command(redis.port(), "ACL SETUSER lagging -xread") == "+OK");
  REQUIRE(await_metric(b.port, "backplane_up", 0));
  // (in batches of 250 at most: an append trims to --history + 1000 + its batch)
  for (int from = 6; from <= 3000; from += 250) {
    int to = std::min(from + 249, 3000);
    a.process->write_stdin(numbered_lines(from, to));
    auto count = static_cast<std::size_t>(to - from + 1);
    REQUIRE(on_a.events_until(count).size() == count);
  }
  CHECK(!on_b.next_event(100ms));
  REQUIRE(redis_command(redis.port(), "ACL SETUSER lagging +xread") == "+OK");

  // b reads again: its client is told of the entries trimmed unread, then gets every event kept, in order
  auto gap = on_b.next_event();
  REQUIRE(gap);
  CHECK(gap->type == "gap");
  auto told = nlohmann::json::parse(gap->data);
  CHECK(told["last_event_id"] == first.back().last_event_id);
  CHECK(!gap->id_in_block);  // no id of its own: the client's Last-Event-ID stays the last event it got
  CHECK(gap->last_event_id == first.back().last_event_id);
  auto next = on_b.next_event();
  REQUIRE(next);
  CHECK(told["oldest_id"] == next->last_event_id);
  int oldest = std::stoi(next->data);
  CHECK(oldest > 1500);
  CHECK(told["skipped"] == oldest - 6);  // exactly the entries 6 .. oldest - 1
  auto rest = on_b.events_until(static_cast<std::size_t>(3000 - oldest));
  CHECK(data_of(rest) == numbers(oldest + 1, 3000));
  CHECK(metric(b.port, "backplane_gaps_total") == 1);
  CHECK(metric(b.port, "backplane_skipped_total") == oldest - 6);
  CHECK(metric(a.port, "backplane_gaps_total") == 0);
  CHECK(b.process->wait_for_stderr("this node fell behind the stream: " + std::to_string(oldest - 6) +
                                   " entries after " + first.back().last_event_id + " were trimmed"));
  // and it serves on: a live event, no further gap
  a.process->write_stdin("3001\n");
  auto live = on_b.next_event();
  REQUIRE(live);
  CHECK(live->data == "3001");
  CHECK(metric(b.port, "backplane_gaps_total") == 1);
}

TEST_CASE("pipe --backplane: --id none and --history 0 get one warning line each", "[pipe][backplane]") {
  RedisServer redis;
  auto quiet = start_pipe({"--backplane", redis.url(), "--input", "none"});
  auto node = start_pipe({"--backplane", redis.url(), "--id", "none", "--history", "0", "--input", "none"});
  CHECK(node.process->wait_for_stderr("ssetool: pipe: warning: --id none has no effect with --backplane"));
  CHECK(node.process->wait_for_stderr("ssetool: pipe: warning: --history 0 with --backplane: every resume gets a gap"));
  CHECK_THAT(quiet.process->stderr_text(), !Catch::Contains("warning"));
}

TEST_CASE("pipe --backplane: Redis unreachable at start is an error naming the URL, unless --backplane-wait",
          "[pipe][backplane]") {
  int port = free_tcp_port();
  std::string url = "redis://127.0.0.1:" + std::to_string(port);
  Process refused({ssetool_binary(), "pipe", "--backplane", url, "--listen", "127.0.0.1:0"});
  refused.close_stdin();
  CHECK(refused.wait() == 1);
  CHECK_THAT(refused.stderr_text(), Catch::Contains("redis://127.0.0.1:" + std::to_string(port)));

  Process waiting({ssetool_binary(), "pipe", "--backplane", url, "--backplane-wait", "20s", "--listen",
                   "127.0.0.1:0", "--input", "none"});
  REQUIRE(waiting.wait_for_stderr("waiting for it"));
  RedisServer redis(port);
  CHECK(waiting.wait_for_stderr("serving"));
  CHECK(!waiting.exit_status());
}

TEST_CASE("pipe --backplane: Redis restarted mid-stream, nothing lost or repeated, publish and healthz 503 meanwhile",
          "[pipe][backplane][concurrency]") {
  RedisServer redis;
  auto a = start_pipe({"--backplane", redis.url(), "--on-eof", "stay"});
  auto b = start_pipe({"--backplane", redis.url(), "--input", "none", "--publish", "--publish-token", "pub"});
  // c publishes nothing during the outage: its first publish after it must not fail on the connection Redis lost
  auto c = start_pipe({"--backplane", redis.url(), "--input", "none", "--publish", "--publish-token", "pub"});
  REQUIRE(http_request(c.port, "POST", "/events", kPublisher, "0\n").status == 202);
  REQUIRE(await_metric(a.port, "backplane_read_total", 1));  // read before the clients below connect
  REQUIRE(await_metric(b.port, "backplane_read_total", 1));
  SseClient on_a(a.port, "/events");
  SseClient on_b(b.port, "/events");
  REQUIRE(await_metric(a.port, "clients_connected", 1));
  REQUIRE(await_metric(b.port, "clients_connected", 1));
  a.process->write_stdin(numbered_lines(1, 20));
  REQUIRE(on_b.events_until(20).size() == 20);

  redis.stop();
  CHECK(await_status(b.port, "/healthz", 503));
  auto refused = http_request(b.port, "POST", "/events", kPublisher, "during\n");
  CHECK(refused.status == 503);
  CHECK(refused.header("Retry-After"));
  a.process->write_stdin(numbered_lines(21, 40));  // read, then held back until Redis is back
  CHECK(await_metric(a.port, "backplane_up", 0));
  redis.start();

  auto on_b_rest = on_b.events_until(20);
  CHECK(data_of(on_b_rest) == numbers(21, 40));
  auto on_a_all = on_a.events_until(40);
  CHECK(data_of(on_a_all) == numbers(1, 40));
  CHECK(!on_b.next_event(300ms));  // and nothing twice
  CHECK(await_status(b.port, "/healthz", 200));
  CHECK(metric(b.port, "backplane_reconnects_total") >= 1);
  CHECK(await_status(c.port, "/healthz", 200));
  CHECK(http_request(c.port, "POST", "/events", kPublisher, "after\n").status == 202);
  CHECK(http_request(b.port, "POST", "/events", kPublisher, "after b\n").status == 202);
}

TEST_CASE("pipe --backplane: behind nginx round-robin, kill -9 of a node, its client resumes on another, every event "
          "exactly once",
          "[pipe][backplane][nginx]") {
  RedisServer redis;
  auto a = start_pipe({"--backplane", redis.url(), "--on-eof", "stay"});
  auto b = start_pipe({"--backplane", redis.url(), "--input", "none"});
  auto c = start_pipe({"--backplane", redis.url(), "--input", "none"});
  NginxServer nginx({a.port, b.port, c.port});
  std::vector<std::unique_ptr<SseClient>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(std::make_unique<SseClient>(nginx.port(), "/events"));
  for (auto* node : {&a, &b, &c}) REQUIRE(await_metric(node->port, "clients_connected", 1));  // one on each

  a.process->write_stdin(numbered_lines(1, 10));
  std::vector<std::vector<ssetool::ParsedEvent>> got(3);
  for (int i = 0; i < 3; ++i) {
    got[i] = clients[i]->events_until(10);
    REQUIRE(got[i].size() == 10);
  }
  c.process->signal(SIGKILL);
  REQUIRE(c.process->wait());
  a.process->write_stdin(numbered_lines(11, 20));
  for (int i = 0; i < 3; ++i) {
    auto more = clients[i]->events_until(10, 2s);
    if (more.size() < 10 && clients[i]->ended()) {  // node c's client: reconnect through nginx, as EventSource does
      std::string last = more.empty() ? got[i].back().last_event_id : more.back().last_event_id;
      got[i].insert(got[i].end(), more.begin(), more.end());
      clients[i] = std::make_unique<SseClient>(nginx.port(), "/events", Headers{{"Last-Event-ID", last}});
      CHECK(clients[i]->status() == 200);
      more = clients[i]->events_until(20 - got[i].size());
    }
    got[i].insert(got[i].end(), more.begin(), more.end());
    CHECK(data_of(got[i]) == numbers(1, 20));
    CHECK(ids_of(got[i]) == ids_of(got[0]));
  }
}
