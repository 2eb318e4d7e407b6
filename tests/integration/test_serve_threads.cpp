// Integration tests of `ssetool serve --threads N`: each client's child lives on its stream's loop. Many clients
// spread over the loops each get their own child's output in order; POSTs to stdin endpoints reach the right child
// whatever its loop; SIGTERM with children on every loop leaves none alive (even children that ignore SIGTERM);
// --max-procs counts over all loops; the flag's default and errors, and --mcp staying on one loop.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <sched.h>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

SsetoolProcess start_serve(std::vector<std::string> options, std::vector<std::string> command) {
  std::vector<std::string> args{"serve"};
  args.insert(args.end(), options.begin(), options.end());
  args.emplace_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return start_ssetool(args);
}

long loop_clients(int port, int loop) {
  return metric(port, "loop_clients_connected\\{loop=\"" + std::to_string(loop) + "\"\\}");
}

// Opens `n` streams one after the other, each placed before the next (the loops are taken in turn); stream K asks
// for /events?cK.
std::vector<std::unique_ptr<SseClient>> connect_clients(int port, int n) {
  std::vector<std::unique_ptr<SseClient>> clients;
  long before = metric(port, "clients_connected");
  for (int i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<SseClient>(port, "/events?c" + std::to_string(i)));
    REQUIRE(await_metric(port, "clients_connected", before + i + 1));
  }
  return clients;
}

// The session's stdin endpoint, from the stream's first event.
std::string endpoint_of(SseClient& client) {
  auto e = client.next_event();
  REQUIRE(e);
  REQUIRE(e->type == "endpoint");
  return e->data;
}

}  // namespace

TEST_CASE("serve --threads 4: clients spread over the loops each get their own command's output, in order",
          "[serve][threads][concurrency]") {
  // Each command prints 400 numbered lines tagged with its client's query string, then waits.
  auto server = start_serve({"--threads", "4", "--exit-event", "done"},
                            {"sh", "-c",
                             "awk -v q=\"$QUERY_STRING\" 'BEGIN { for (i = 1; i <= 400; i++) print q, i }'; "
                             "exec sleep 60"});
  CHECK(metric(server.port, "stream_loops") == 4);
  auto clients = connect_clients(server.port, 12);
  for (int loop = 0; loop < 4; ++loop) CHECK(loop_clients(server.port, loop) == 3);
  CHECK(metric(server.port, "clients_connected") == 12);  // summed over the loops
  for (std::size_t k = 0; k < clients.size(); ++k) {
    auto events = clients[k]->events_until(400);
    REQUIRE(events.size() == 400);
    bool in_order = true;
    for (std::size_t i = 0; i < events.size(); ++i)
      in_order = in_order && events[i].data == "c" + std::to_string(k) + " " + std::to_string(i + 1);
    CHECK(in_order);
  }
  // SIGTERM: every loop's commands are stopped, their exit events and clean ends delivered.
  server.process->signal(SIGTERM);
  for (auto& c : clients) {
    auto done = c->next_event();
    REQUIRE(done);
    CHECK(done->type == "done");
    CHECK(done->data == "SIGTERM");
    CHECK(c->wait_end());
  }
  CHECK(server.process->wait() == 0);
}

TEST_CASE("serve --threads 3 --stdin-endpoint: POSTs reach the right command whatever its loop",
          "[serve][threads][concurrency]") {
  auto server = start_serve({"--threads", "3", "--stdin-endpoint"}, {"cat"});
  constexpr int kClients = 6, kPosts = 40;
  auto clients = connect_clients(server.port, kClients);
  for (int loop = 0; loop < 3; ++loop) CHECK(loop_clients(server.port, loop) == 2);
  std::vector<std::string> endpoints;
  for (auto& c : clients) endpoints.push_back(endpoint_of(*c));
  // One thread per client POSTs to its endpoint while the others do the same: the workers route each POST to
  // the loop of its session.
  std::vector<int> accepted(kClients, 0);
  std::vector<std::vector<ssetool::ParsedEvent>> received(kClients);
  std::vector<std::thread> threads;
  for (int k = 0; k < kClients; ++k)
    threads.emplace_back([&, k] {
      for (int i = 1; i <= kPosts; ++i)
        if (http_request(server.port, "POST", endpoints[k], {}, "to " + std::to_string(k) + " #" +
                                                                     std::to_string(i)).status == 202)
          ++accepted[k];
      received[k] = clients[k]->events_until(kPosts);
    });
  for (auto& t : threads) t.join();
  for (int k = 0; k < kClients; ++k) {
    CHECK(accepted[k] == kPosts);
    REQUIRE(received[k].size() == kPosts);
    bool own_in_order = true;
    for (int i = 0; i < kPosts; ++i)
      own_in_order = own_in_order && received[k][i].data == "to " + std::to_string(k) + " #" + std::to_string(i + 1);
    CHECK(own_in_order);
  }
  // A session that ends on its loop leaves the table the workers read: its endpoint answers 404, the others 202.
  clients[1]->connection().close();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  int status = 202;
  while (status != 404 && std::chrono::steady_clock::now() < deadline) {
    status = http_request(server.port, "POST", endpoints[1], {}, "x").status;
    if (status != 404) std::this_thread::sleep_for(10ms);
  }
  CHECK(status == 404);
  CHECK(http_request(server.port, "POST", endpoints[2], {}, "still here").status == 202);
  auto e = clients[2]->next_event();
  REQUIRE(e);
  CHECK(e->data == "still here");
  server.process->signal(SIGTERM);
  CHECK(server.process->wait() == 0);
}

TEST_CASE("serve --threads 4: SIGTERM with commands that ignore it on every loop leaves none alive",
          "[serve][threads][concurrency]") {
  // Each command ignores SIGTERM and starts a grandchild in its process group: only SIGKILL, after --kill-grace,
  // ends them.
  auto server = start_serve({"--threads", "4", "--kill-grace", "200ms"},
                            {"sh", "-c", "trap '' TERM; sleep 60 & echo \"$$ $!\"; exec sleep 60"});
  auto clients = connect_clients(server.port, 8);
  for (int loop = 0; loop < 4; ++loop) CHECK(loop_clients(server.port, loop) == 2);
  std::vector<pid_t> pids;
  for (auto& c : clients) {
    auto e = c->next_event();
    REQUIRE(e);
    auto space = e->data.find(' ');
    REQUIRE(space != std::string::npos);
    pids.push_back(static_cast<pid_t>(std::stol(e->data.substr(0, space))));
    pids.push_back(static_cast<pid_t>(std::stol(e->data.substr(space + 1))));
  }
  for (pid_t pid : pids) REQUIRE(process_state(pid) != 0);
  server.process->signal(SIGTERM);
  for (auto& c : clients) CHECK(c->wait_end());
  CHECK(server.process->wait() == 0);
  for (pid_t pid : pids) CHECK(wait_dead(pid));
}

TEST_CASE("serve --threads 2: --max-procs counts the commands of every loop", "[serve][threads][concurrency]") {
  auto server = start_serve({"--threads", "2", "--max-procs", "2"}, {"sleep", "60"});
  auto clients = connect_clients(server.port, 2);
  CHECK(loop_clients(server.port, 0) == 1);
  CHECK(loop_clients(server.port, 1) == 1);
  auto refused = http_request(server.port, "GET", "/events");
  CHECK(refused.status == 503);
  CHECK(refused.header("Retry-After") == "1");
  clients[1]->connection().close();  // its command (on loop 1) is stopped and reaped: its slot comes back
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::unique_ptr<SseClient> third;
  while (!third && std::chrono::steady_clock::now() < deadline) {
    auto c = std::make_unique<SseClient>(server.port, "/events");
    if (c->status() == 200) third = std::move(c);
    else std::this_thread::sleep_for(10ms);
  }
  CHECK(third);
  server.process->signal(SIGTERM);
  CHECK(server.process->wait() == 0);
}

TEST_CASE("serve --threads: the default is the CPUs the process may use, bad values exit 2",
          "[serve][threads]") {
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
  {
    auto server = start_serve({}, {"cat"});
    CHECK(metric(server.port, "stream_loops") == std::clamp(CPU_COUNT(&set), 1, 16));
  }
  for (std::string bad : {"0", "many", "257"}) {
    Process p({ssetool_binary(), "serve", "--threads", bad, "--", "cat"});
    CHECK(p.wait() == 2);
    CHECK(p.stderr_text().find("--threads") != std::string::npos);
  }
}
