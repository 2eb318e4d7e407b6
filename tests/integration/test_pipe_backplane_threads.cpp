// Integration tests of `pipe --backplane` on several stream loops (--threads): with a real redis-server started by
// the test, clients on every loop of two nodes get every event once and in order; resumes on a loop other than the
// hub's (an id older than the node's history, looked up in Redis; an id ahead of the node, waiting for it); the gap
// event of a node that fell behind the trimmed stream on every loop; SIGTERM ending every loop's streams.
#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

std::string lines_from(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) s += std::to_string(i) + "\n";
  return s;
}

std::vector<std::string> numbers(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(std::to_string(i));
  return out;
}

long clients_on_loop(const SsetoolProcess& node, int loop) {
  return metric(node.port, "loop_clients_connected\\{loop=\"" + std::to_string(loop) + "\"\\}");
}

// One more stream on `node`, placed once the node counts it (the loops are taken in turn: the next stream goes to
// the next loop).
std::unique_ptr<SseClient> add_client(const SsetoolProcess& node, const Headers& headers = {}) {
  long before = metric(node.port, "clients_connected");
  auto client = std::make_unique<SseClient>(node.port, "/events", headers);
  REQUIRE(await_metric(node.port, "clients_connected", before + 1));
  return client;
}

Headers resume_from(const ssetool::ParsedEvent& event) { return {{"Last-Event-ID", event.last_event_id}}; }

// The URL of a Redis user whose reader the test stops and lets go on (reading(redis, false)): its node falls behind.
std::string lagging_url(const RedisServer& redis) {
  REQUIRE(redis_command(redis.port(), "ACL SETUSER lagging on >pw ~* +@all") == "+OK");
  return "redis://lagging:pw@127.0.0.1:" + std::to_string(redis.port());
}

// The lagging user may XREAD or not (its resume lookups, XRANGE, still may).
void reading(const RedisServer& redis, bool allowed) {
  REQUIRE(redis_command(redis.port(), std::string("ACL SETUSER lagging ") + (allowed ? "+xread" : "-xread")) == "+OK");
}

// Each client's next event carries `data`.
void expect_next(const std::vector<SseClient*>& clients, const std::string& data) {
  for (SseClient* client : clients) {
    auto next = client->next_event();
    REQUIRE(next);
    CHECK(next->data == data);
  }
}

}  // namespace

TEST_CASE("pipe --backplane --threads 3: clients on every loop of two nodes get every event once, in order, with the "
          "same ids, and end together",
          "[pipe][backplane][threads][concurrency]") {
  RedisServer redis;
  // a stream kept long enough that no reader falls behind the burst (--history + 1000 entries)
  auto a = start_pipe({"--backplane", redis.url(), "--threads", "3", "--history", "3000", "--on-eof", "close"});
  auto b = start_pipe({"--backplane", redis.url(), "--threads", "3", "--history", "3000", "--input", "none"});
  std::vector<std::unique_ptr<SseClient>> clients;
  for (auto* node : {&a, &b}) {
    CHECK(metric(node->port, "stream_loops") == 3);
    for (int i = 0; i < 6; ++i) clients.push_back(add_client(*node));
    for (int loop = 0; loop < 3; ++loop) CHECK(clients_on_loop(*node, loop) == 2);
  }
  constexpr int kEvents = 3000;
  std::thread writer([&] {
    a.process->write_stdin(lines_from(1, kEvents), 30s);
    a.process->close_stdin();  // --on-eof close: the end record ends every node's streams
  });
  std::vector<std::string> ids;
  for (auto& client : clients) {
    auto events = client->events_until(kEvents + 1, 30s);  // fewer: the stream ended after the last
    CHECK(data_of(events) == numbers(1, kEvents));
    if (ids.empty()) ids = ids_of(events);
    CHECK(ids_of(events) == ids);
    CHECK(client->wait_end());
  }
  writer.join();
  CHECK(a.process->wait() == 0);
  CHECK(b.process->wait() == 0);
}

TEST_CASE("pipe --backplane --threads 3: resumes older than the node's history, on loops 1 and 2, get Redis's events "
          "then the live ones, no gap, nothing twice",
          "[pipe][backplane][threads][concurrency]") {
  RedisServer redis;
  auto a = start_pipe({"--backplane", redis.url(), "--threads", "3", "--on-eof", "stay"});
  auto reader = add_client(a);
  a.process->write_stdin(lines_from(1, 300));
  auto seen = reader->events_until(300);
  REQUIRE(seen.size() == 300);
  // b starts with the newest 100 entries (201..300) as its history: a resume from 50 or 150 is looked up in Redis
  auto b = start_pipe({"--backplane", redis.url(), "--threads", "3", "--history", "100", "--input", "none"});
  auto fresh = add_client(b);                          // loop 0
  auto from_50 = add_client(b, resume_from(seen[49]));    // loop 1
  auto from_150 = add_client(b, resume_from(seen[149]));  // loop 2
  CHECK(clients_on_loop(b, 1) == 1);
  CHECK(clients_on_loop(b, 2) == 1);
  a.process->write_stdin(lines_from(301, 2000));
  CHECK(data_of(from_50->events_until(1950, 30s)) == numbers(51, 2000));
  CHECK(data_of(from_150->events_until(1850, 30s)) == numbers(151, 2000));
  CHECK(data_of(fresh->events_until(1700, 30s)) == numbers(301, 2000));
  a.process->write_stdin("2001\n");
  expect_next({fresh.get(), from_50.get(), from_150.get()}, "2001");
}

TEST_CASE("pipe --backplane --threads 3: clients ahead of the node, on loops 1 and 2, wait until it has read up to "
          "their id, then get exactly what follows",
          "[pipe][backplane][threads][concurrency]") {
  RedisServer redis;
  auto a = start_pipe({"--backplane", redis.url(), "--on-eof", "stay"});
  auto b = start_pipe({"--backplane", lagging_url(redis), "--threads", "3", "--input", "none"});
  auto on_a = add_client(a);
  auto on_b = add_client(b);  // loop 0
  reading(redis, false);  // b stays behind a
  REQUIRE(await_metric(b.port, "backplane_up", 0));
  a.process->write_stdin(lines_from(1, 10));
  auto seen = on_a->events_until(10);
  REQUIRE(seen.size() == 10);

  auto from_5 = add_client(b, resume_from(seen[4]));  // loop 1
  auto from_8 = add_client(b, resume_from(seen[7]));  // loop 2
  CHECK(clients_on_loop(b, 1) == 1);
  CHECK(clients_on_loop(b, 2) == 1);
  CHECK(!from_5->next_event(200ms));  // waiting, its stream open
  CHECK(!from_8->next_event(1ms));
  reading(redis, true);
  auto after_5 = from_5->events_until(5);
  CHECK(ids_of(after_5) == ids_of(std::vector(seen.begin() + 5, seen.end())));
  CHECK(data_of(after_5) == numbers(6, 10));
  CHECK(data_of(from_8->events_until(2)) == numbers(9, 10));
  CHECK(data_of(on_b->events_until(10)) == numbers(1, 10));
  a.process->write_stdin("11\n");
  expect_next({on_b.get(), from_5.get(), from_8.get()}, "11");
}

TEST_CASE("pipe --backplane --threads 3: a node that fell behind the trimmed stream tells the clients of every loop "
          "with one gap event, then serves on",
          "[pipe][backplane][threads][concurrency]") {
  RedisServer redis;
  auto a = start_pipe({"--backplane", redis.url(), "--history", "10", "--on-eof", "stay"});
  auto b = start_pipe({"--backplane", lagging_url(redis), "--history", "10", "--threads", "3", "--input", "none"});
  auto on_a = add_client(a);
  std::vector<std::unique_ptr<SseClient>> on_b;
  for (int loop = 0; loop < 3; ++loop) on_b.push_back(add_client(b));
  a.process->write_stdin(lines_from(1, 5));
  for (auto& client : on_b) REQUIRE(data_of(client->events_until(5)) == numbers(1, 5));
  reading(redis, false);
  REQUIRE(await_metric(b.port, "backplane_up", 0));
  // an append trims to about --history + 1000 + its batch: batches of 250 up to 2000 trim entries b has not read
  for (int from = 6; from <= 2000; from += 250) {
    int to = std::min(from + 249, 2000);
    a.process->write_stdin(lines_from(from, to));
    auto count = static_cast<std::size_t>(to - from + 1);
    REQUIRE(on_a->events_until(count).size() == count);
  }
  reading(redis, true);
  for (auto& client : on_b) {
    auto gap = client->next_event();
    REQUIRE(gap);
    CHECK(gap->type == "gap");
    auto next = client->next_event();
    REQUIRE(next);
    int oldest = std::stoi(next->data);
    CHECK(oldest > 6);
    CHECK(data_of(client->events_until(static_cast<std::size_t>(2000 - oldest))) == numbers(oldest + 1, 2000));
  }
  CHECK(metric(b.port, "backplane_gaps_total") == 1);
}

TEST_CASE("pipe --backplane --threads 3: SIGTERM ends the streams of every loop, resumed ones included, cleanly",
          "[pipe][backplane][threads][concurrency]") {
  RedisServer redis;
  auto node = start_pipe({"--backplane", redis.url(), "--threads", "3", "--on-eof", "stay"});
  auto first = add_client(node);
  node.process->write_stdin(lines_from(1, 3));
  auto seen = first->events_until(3);
  REQUIRE(seen.size() == 3);
  std::vector<std::unique_ptr<SseClient>> clients;
  clients.push_back(std::move(first));
  for (int i = 1; i < 6; ++i) clients.push_back(add_client(node, i % 2 ? resume_from(seen[0]) : Headers{}));
  for (int loop = 0; loop < 3; ++loop) CHECK(clients_on_loop(node, loop) == 2);
  node.process->write_stdin("last words\n");
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto events = clients[i]->events_until(i % 2 ? 3 : 1);  // the resumed ones: 2, 3, then the last words
    REQUIRE(!events.empty());
    CHECK(events.back().data == "last words");
  }
  node.process->signal(SIGTERM);
  for (auto& client : clients) CHECK(client->wait_end());
  CHECK(node.process->wait() == 0);
}
