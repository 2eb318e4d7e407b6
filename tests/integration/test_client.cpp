// Tests of the library's SSE client (lib/include/ssetool/client/client.hpp) used directly, against the scripted
// FixtureServer: stop() from another thread (reading, and waiting to reconnect), the parser's
// limits, and the callbacks' order. `ssetool listen` covers the rest end to end (test_listen.cpp).
#include <catch2/catch.hpp>

#include <thread>

#include "ssetool/base/errors.hpp"
#include "ssetool/client/client.hpp"
#include "testsupport.hpp"

using namespace std::chrono_literals;
using testsupport::FixtureResponse;
using testsupport::FixtureServer;
using Reason = ssetool::ClientResult::Reason;

TEST_CASE("Client: stop() from another thread ends a silent stream", "[client][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "id: 5\ndata: a\n\n"}}, FixtureResponse::Ending::hold));
  std::vector<std::string> seen;
  std::vector<ssetool::StreamEnd> ends;
  ssetool::Client* client_pointer = nullptr;
  std::mutex mutex;
  std::condition_variable got_event;
  ssetool::ClientCallbacks callbacks;
  callbacks.on_event = [&](ssetool::ParsedEvent&& e) {
    std::lock_guard lock(mutex);
    seen.push_back(e.data);
    got_event.notify_all();
  };
  callbacks.on_stream_end = [&](ssetool::StreamEnd how, const std::string&) { ends.push_back(how); };
  ssetool::Client client({.url = server.url()}, callbacks);
  client_pointer = &client;
  std::thread stopper([&] {
    std::unique_lock lock(mutex);
    got_event.wait_for(lock, testsupport::kDefaultTimeout, [&] { return !seen.empty(); });
    lock.unlock();
    client_pointer->stop();
  });
  ssetool::ClientResult result = client.run();
  stopper.join();
  CHECK(result.reason == Reason::stopped);
  CHECK(seen == std::vector<std::string>{"a"});
  CHECK(ends == std::vector<ssetool::StreamEnd>{ssetool::StreamEnd::stopped});
  CHECK(client.last_event_id() == "5");
}

TEST_CASE("Client: stop() ends the wait before a reconnection", "[client][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: a\n\n"}}));
  std::mutex mutex;
  std::condition_variable logged;
  bool waiting = false;
  ssetool::ClientCallbacks callbacks;
  callbacks.on_log = [&](const std::string& line) {
    std::lock_guard lock(mutex);
    if (line.starts_with("reconnecting in")) waiting = true;
    logged.notify_all();
  };
  ssetool::Client client({.url = server.url(), .retry = 1h}, callbacks);
  std::thread stopper([&] {
    std::unique_lock lock(mutex);
    logged.wait_for(lock, testsupport::kDefaultTimeout, [&] { return waiting; });
    lock.unlock();
    client.stop();
  });
  auto started = std::chrono::steady_clock::now();
  ssetool::ClientResult result = client.run();
  stopper.join();
  CHECK(result.reason == Reason::stopped);
  CHECK(std::chrono::steady_clock::now() - started < testsupport::kDefaultTimeout);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("Client: a line over the parser's limit drops the stream, then it reconnects", "[client][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: " + std::string(100, 'x') + "\n\n"}}));
  server.add(FixtureResponse::stream({{0ms, "data: short\n\n"}}));
  std::vector<std::string> seen;
  std::vector<std::string> details;
  ssetool::ClientCallbacks callbacks;
  callbacks.on_event = [&](ssetool::ParsedEvent&& e) { seen.push_back(e.data); };
  callbacks.on_stream_end = [&](ssetool::StreamEnd how, const std::string& detail) {
    if (how == ssetool::StreamEnd::dropped) details.push_back(detail);
  };
  ssetool::ClientOptions options{.url = server.url(), .retry = 10ms, .max_reconnects = 1};
  options.limits.max_line = 50;
  ssetool::Client client(options, callbacks);
  ssetool::ClientResult result = client.run();
  CHECK(result.reason == Reason::ended);
  CHECK(result.reconnects == 1);
  CHECK(seen == std::vector<std::string>{"short"});
  REQUIRE(details.size() == 1);
  CHECK_FALSE(details[0].empty());
}

TEST_CASE("Client: on_response sees every response; bytes come after their events", "[client][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: a\n\n"}}));
  server.add(FixtureResponse::plain(429, "text/plain", "slow down"));
  std::vector<std::string> calls;
  ssetool::ClientCallbacks callbacks;
  callbacks.on_response = [&](const ssetool::ResponseInfo& info) {
    calls.push_back("response " + std::to_string(info.status) + (info.accepted ? " accepted" : ""));
  };
  callbacks.on_event = [&](ssetool::ParsedEvent&& e) { calls.push_back("event " + e.data); };
  callbacks.on_bytes = [&](std::string_view bytes) { calls.push_back("bytes " + std::to_string(bytes.size())); };
  ssetool::Client client({.url = server.url(), .retry = 10ms}, callbacks);
  ssetool::ClientResult result = client.run();
  CHECK(result.reason == Reason::rejected);
  CHECK(result.status == 429);
  CHECK(result.body_start == "slow down");
  CHECK(result.message == "HTTP 429 Too Many Requests");
  CHECK(calls == std::vector<std::string>{"response 200 accepted", "event a", "bytes 9", "response 429"});
}
