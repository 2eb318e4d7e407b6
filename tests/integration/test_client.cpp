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

TEST_CASE("Client: on_response sees every response, bytes come after their events", "[client][concurrency]") {
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

namespace {

// A port that was free a moment ago: nothing listens there, so a connect is refused.
int closed_port() {
  FixtureServer closed;
  return closed.port();
}

}  // namespace

TEST_CASE("Client: a refused connect names host, port and reason, and gives up after max_failures", "[client][concurrency]") {
  const std::string where = "127.0.0.1:" + std::to_string(closed_port());
  std::vector<ssetool::RetryNotice> notices;
  ssetool::ClientCallbacks callbacks;
  callbacks.on_retry_scheduled = [&](const ssetool::RetryNotice& n) { notices.push_back(n); };
  ssetool::Client client({.url = "http://" + where + "/", .retry = 10ms, .max_failures = 3}, callbacks);
  ssetool::ClientResult result = client.run();
  CHECK(result.reason == Reason::failed);
  CHECK(result.gave_up);
  CHECK(result.message == "connect " + where + ": connection refused; gave up after 3 failed attempts in a row");
  REQUIRE(notices.size() == 2);
  CHECK(notices[0].what == "connect " + where + ": connection refused");
  CHECK(notices[0].next_attempt == 2);
  CHECK(notices[1].next_attempt == 3);
  CHECK_FALSE(notices[1].had_stream);
  CHECK(notices[1].delay >= 100ms);  // the floor
}

TEST_CASE("Client: a .invalid host fails at once with the resolver's reason, not retried", "[client][concurrency]") {
  std::size_t notices = 0;
  ssetool::ClientCallbacks callbacks;
  callbacks.on_retry_scheduled = [&](const ssetool::RetryNotice&) { ++notices; };
  ssetool::Client client({.url = "http://nonexistent.invalid/x", .retry = 10ms}, callbacks);
  auto started = std::chrono::steady_clock::now();
  ssetool::ClientResult result = client.run();
  CHECK(std::chrono::steady_clock::now() - started < 1s);
  CHECK(result.reason == Reason::failed);
  CHECK(result.message == "resolve nonexistent.invalid: name or service not known");
  CHECK(notices == 0);
}

TEST_CASE("Client: a stream that ends is reported before the reconnection, with its host", "[client][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::stream({{0ms, "data: a\n\n"}}));
  server.add(FixtureResponse::no_body(204));
  std::vector<ssetool::RetryNotice> notices;
  ssetool::ClientCallbacks callbacks;
  callbacks.on_retry_scheduled = [&](const ssetool::RetryNotice& n) { notices.push_back(n); };
  ssetool::Client client({.url = server.url(), .retry = 10ms}, callbacks);
  ssetool::ClientResult result = client.run();
  CHECK(result.reason == Reason::no_content);
  CHECK(result.message == "HTTP 204 No Content: the server asks not to reconnect");
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].what == "stream from 127.0.0.1:" + std::to_string(server.port()) + " ended by the server");
  CHECK(notices[0].had_stream);
}

TEST_CASE("Client: a 404 is final and named", "[client][concurrency]") {
  FixtureServer server;
  server.add(FixtureResponse::plain(404, "text/plain", "no such stream"));
  ssetool::Client client({.url = server.url(), .retry = 10ms}, {});
  ssetool::ClientResult result = client.run();
  CHECK(result.reason == Reason::rejected);
  CHECK(result.message == "HTTP 404 Not Found");
  CHECK(result.body_start == "no such stream");
  CHECK(server.requests().size() == 1);
}
