// The public API (<ssetool/ssetool.hpp>) end to end: an App on port 0 in this process, read over loopback with the
// strict test client. Compiled with -O2 (tests/CMakeLists.txt): the forms docs/library.md recommends against
// g++ 12's co_await-aggregate bug (string_view overloads, named values) must be safe at the optimisation where that
// bug shows.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ssetool/ssetool.hpp"
#include "testsupport.hpp"

using namespace std::chrono_literals;
using testsupport::kDefaultTimeout;
using testsupport::SseClient;

namespace {

ssetool::AppOptions test_options() {
  return {.listen = "127.0.0.1:0", .keep_alive = 0ms, .handle_signals = false};
}

// Runs an App on a thread of its own; stops and joins it at the end of the scope.
class RunningApp {
 public:
  explicit RunningApp(ssetool::App& app) : app_(app) {
    app_.start();
    thread_ = std::thread([this] { result_ = app_.run(); });
  }
  ~RunningApp() { stop(); }
  int stop() {
    if (thread_.joinable()) {
      app_.stop();
      thread_.join();
    }
    return result_;
  }
  int port() const { return app_.port(); }

 private:
  ssetool::App& app_;
  std::thread thread_;
  int result_ = -1;
};

// Log lines collected from the App's threads.
struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard lock(mutex);
      lines.push_back(line);
    };
  }
  bool contains(const std::string& text) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
};

struct Customer {
  int id;
  std::string first_name;
  std::string last_name;
};
void to_json(nlohmann::json& j, const Customer& c) {
  j = {{"id", c.id}, {"firstName", c.first_name}, {"lastName", c.last_name}};
}
struct Product {
  int id;
  std::vector<int> prices;
};
void to_json(nlohmann::json& j, const Product& p) { j = {{"id", p.id}, {"prices", p.prices}}; }

// Sets a promise when destroyed: tells the test that a handler's locals were destroyed.
struct Destroyed {
  std::promise<void>* done;
  ~Destroyed() { done->set_value(); }
};

}  // namespace

TEST_CASE("app: six events paced by sleep, then returning ends the stream cleanly", "[app][concurrency]") {
  ssetool::App app(test_options());
  app.sse("/events", [](ssetool::SseSession& s) -> ssetool::Task {
    for (int i = 0; i < 6; ++i) {
      co_await s.send("this is SSE #" + std::to_string(i));
      co_await s.sleep(50ms);
    }
  });
  RunningApp running(app);
  auto started = std::chrono::steady_clock::now();
  SseClient client(running.port(), "/events", {{"Accept-Encoding", "gzip, br"}});
  REQUIRE(client.status() == 200);
  CHECK(client.header("Content-Type") == "text/event-stream");
  CHECK_FALSE(client.header("Content-Encoding"));  // SSE responses are never compressed
  auto events = client.events_until(6);
  REQUIRE(events.size() == 6);
  for (int i = 0; i < 6; ++i) CHECK(events[i].data == "this is SSE #" + std::to_string(i));
  CHECK(client.wait_end());
  CHECK(std::chrono::steady_clock::now() - started >= 300ms);  // six sleeps of 50 ms
}

TEST_CASE("app: send overloads, serialize (default and the route's), retry and request()", "[app][concurrency]") {
  ssetool::App app(test_options());
  app.sse("/json", [](ssetool::SseSession& s) -> ssetool::Task {
    Customer customer{0, "Jet", "Brains"};
    Product product{0, {100, 200}};
    co_await s.send(customer);
    co_await s.send(product);
    co_await s.send("kind", "typed");
    ssetool::Event event{.data = "line 1\nline 2", .id = "7"};
    co_await s.send(event);
    co_await s.send("query " + s.request().param("q").value_or("-") + ", last id " +
                    s.last_event_id().value_or("-"));
  });
  app.sse("/custom", {.serialize = [](const nlohmann::json& j) { return "<" + j.dump() + ">"; },
                      .retry = std::chrono::milliseconds(1234)},
          [](ssetool::SseSession& s) -> ssetool::Task {
            Product product{1, {5}};
            co_await s.send(product);
          });
  RunningApp running(app);

  SseClient json(running.port(), "/json?q=x", {{"Last-Event-ID", "41"}});
  auto events = json.events_until(5);
  REQUIRE(events.size() == 5);
  CHECK(events[0].data == R"({"firstName":"Jet","id":0,"lastName":"Brains"})");
  CHECK(events[1].data == R"({"id":0,"prices":[100,200]})");
  CHECK(events[2].type == "kind");
  CHECK(events[2].data == "typed");
  CHECK(events[3].data == "line 1\nline 2");
  CHECK(events[3].last_event_id == "7");
  CHECK(events[4].data == "query x, last id 41");
  CHECK(json.wait_end());

  SseClient custom(running.port(), "/custom");
  auto event = custom.next_event();
  REQUIRE(event);
  CHECK(event->data == R"(<{"id":1,"prices":[5]}>)");
  CHECK(custom.retry() == 1234u);
}

TEST_CASE("app: a route's heartbeat event at its period while the handler waits", "[app][concurrency]") {
  ssetool::App app(test_options());
  app.sse("/heartbeat", {.heartbeat = {.period = 10ms, .event = ssetool::Event{.data = "heartbeat"}}},
          [](ssetool::SseSession& s) -> ssetool::Task {
            co_await s.sleep(10s);  // ended by the client going away
          });
  RunningApp running(app);
  SseClient client(running.port(), "/heartbeat");
  auto events = client.events_until(3);
  REQUIRE(events.size() == 3);
  for (const auto& e : events) CHECK(e.data == "heartbeat");
}

TEST_CASE("app: a client gone mid-handler ends the coroutine at its next co_await, locals destroyed",
          "[app][concurrency]") {
  std::promise<void> destroyed;
  std::atomic<int> resumed_after_gone{0};
  ssetool::App app(test_options());
  app.sse("/events", [&](ssetool::SseSession& s) -> ssetool::Task {
    Destroyed guard{&destroyed};
    co_await s.send("first");
    for (;;) {
      co_await s.sleep(20ms);
      if (!s.is_open()) ++resumed_after_gone;  // never: a co_await on an ended stream does not return
    }
  });
  RunningApp running(app);
  {
    SseClient client(running.port(), "/events");
    REQUIRE(client.next_event());
  }  // the client goes away
  CHECK(destroyed.get_future().wait_for(kDefaultTimeout) == std::future_status::ready);
  CHECK(resumed_after_gone == 0);
}

TEST_CASE("app: a handler that throws ends its stream abruptly and is logged, close() ends it cleanly",
          "[app][concurrency]") {
  LogLines log;
  ssetool::AppOptions options = test_options();
  options.log = log.sink();
  ssetool::App app(options);
  app.sse("/throws", [](ssetool::SseSession& s) -> ssetool::Task {
    co_await s.send("before");
    throw std::runtime_error("database unreachable");
  });
  std::atomic<bool> ran_past_close{false};
  app.sse("/close", [&](ssetool::SseSession& s) -> ssetool::Task {
    co_await s.send("only");
    s.close();
    co_await s.send("never sent");
    ran_past_close = true;
  });
  RunningApp running(app);

  SseClient throws(running.port(), "/throws");
  REQUIRE(throws.next_event());
  CHECK_FALSE(throws.wait_end());
  CHECK(throws.ended_abruptly());
  SseClient closed(running.port(), "/close");
  auto events = closed.events_until(2, 2s);
  CHECK(closed.wait_end());
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "only");
  CHECK_FALSE(ran_past_close);
  running.stop();  // the log line was written on the loop: joined now
  CHECK(log.contains("/throws 127.0.0.1:"));
  CHECK(log.contains("the handler threw: database unreachable"));
}

TEST_CASE("app: send is back-pressure: a client that stops reading suspends the handler, nothing is dropped",
          "[app][concurrency]") {
  constexpr int kEvents = 20000;  // 20 MB: far more than loopback's socket buffers
  std::atomic<int> sent{0};
  ssetool::AppOptions options = test_options();
  options.client_buffer = 256 << 10;  // without back-pressure the client would be dropped as slow
  ssetool::App app(options);
  app.sse("/flood", [&](ssetool::SseSession& s) -> ssetool::Task {
    std::string data(1000, 'x');
    for (int i = 0; i < kEvents; ++i) {
      co_await s.send(data);
      sent = i + 1;
    }
  });
  RunningApp running(app);
  testsupport::RawConnection connection(running.port());
  REQUIRE(connection.send_all("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Wait until the handler stops making progress (suspended in send), within the default timeout.
  auto deadline = std::chrono::steady_clock::now() + kDefaultTimeout;
  int last = -1;
  while (sent != last && sent < kEvents && std::chrono::steady_clock::now() < deadline) {
    last = sent;
    std::this_thread::sleep_for(100ms);  // progress is what is measured: no event to wait on
  }
  CHECK(sent < kEvents);
  std::size_t events = 0;
  std::size_t offset = 0;
  while (events < kEvents && connection.read_some() > 0) {
    const std::string& got = connection.received();
    for (std::size_t at; (at = got.find("\n\n", offset)) != std::string::npos; offset = at + 2) ++events;
  }
  CHECK(events == kEvents);
  CHECK(sent == kEvents);
}

TEST_CASE("app: broadcast published from four threads: every event once, in order per thread, resumable",
          "[app][concurrency]") {
  ssetool::App app(test_options());
  ssetool::Feed& feed = app.broadcast("/feed", {.history = 2000});
  RunningApp running(app);
  SseClient client(running.port(), "/feed");
  REQUIRE(client.status() == 200);
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t)
    producers.emplace_back([&feed, t] {
      for (int i = 0; i < 250; ++i) feed.publish(std::to_string(t) + ":" + std::to_string(i));
    });
  for (auto& p : producers) p.join();
  auto events = client.events_until(1000);
  REQUIRE(events.size() == 1000);
  std::vector<int> next(4, 0);
  for (std::size_t k = 0; k < events.size(); ++k) {
    CHECK(events[k].last_event_id == std::to_string(k + 1));
    int thread = events[k].data[0] - '0';
    CHECK(events[k].data == std::to_string(thread) + ":" + std::to_string(next[thread]++));
  }
  CHECK(feed.published() == 1000);

  SseClient resumed(running.port(), "/feed", {{"Last-Event-ID", "990"}});
  auto rest = resumed.events_until(10);
  REQUIRE(rest.size() == 10);
  CHECK(rest.front().last_event_id == "991");
  CHECK(rest.back().last_event_id == "1000");

  CHECK(running.stop() == 0);
  CHECK_FALSE(feed.publish("after the end"));
}

TEST_CASE("app: post() from another thread reaches the stream, and fails once it ended", "[app][concurrency]") {
  std::promise<ssetool::EventPoster> handed;
  ssetool::App app(test_options());
  app.sse("/events", [&](ssetool::SseSession& s) -> ssetool::Task {
    handed.set_value(s.poster());
    co_await s.sleep(10s);  // ended by the client going away
  });
  RunningApp running(app);
  ssetool::EventPoster poster;
  {
    SseClient client(running.port(), "/events");
    poster = handed.get_future().get();
    std::thread worker([poster] {
      for (int i = 0; i < 100; ++i) poster.post(ssetool::Event{.data = std::to_string(i)});
    });
    worker.join();
    auto events = client.events_until(100);
    REQUIRE(events.size() == 100);
    CHECK(events.back().data == "99");
    ssetool::Event bad{.data = "x", .type = "a\nb"};
    CHECK_THROWS_AS(poster.post(bad), ssetool::InvalidEvent);
  }
  bool refused = false;  // the stream ends a moment after the client closes
  for (auto deadline = std::chrono::steady_clock::now() + kDefaultTimeout;
       !refused && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms))
    refused = !poster.post(ssetool::Event{.data = "late"});
  CHECK(refused);
}

TEST_CASE("app: routes: bad paths refused, unknown paths 404, non-GET 405, /healthz built in", "[app][concurrency]") {
  ssetool::App app(test_options());
  auto handler = [](ssetool::SseSession& s) -> ssetool::Task { co_await s.send("x"); };
  CHECK_THROWS_AS(app.sse("events", handler), ssetool::InvalidArgument);
  CHECK_THROWS_AS(app.sse("/a\r\nb", handler), ssetool::InvalidArgument);
  app.sse("/events", handler);
  CHECK_THROWS_AS(app.broadcast("/events"), ssetool::InvalidArgument);
  CHECK_THROWS_AS(app.sse("/h", {.heartbeat = {.period = 1s, .event = ssetool::Event{.data = "", .type = "a\nb"}}},
                          handler),
                  ssetool::InvalidEvent);
  RunningApp running(app);
  CHECK_THROWS_AS(app.sse("/late", handler), ssetool::Error);
  CHECK(testsupport::http_request(running.port(), "GET", "/nothing").status == 404);
  CHECK(testsupport::http_request(running.port(), "POST", "/events").status == 405);
  CHECK(testsupport::http_request(running.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("app: the server's policies apply: token, CORS, max clients", "[app][concurrency]") {
  ssetool::AppOptions options = test_options();
  options.token = "s3cret";
  options.cors_origins = {"https://example.org"};
  options.max_clients = 1;
  ssetool::App app(options);
  app.sse("/events", [](ssetool::SseSession& s) -> ssetool::Task {
    co_await s.send("x");
    co_await s.sleep(10s);  // ended by the client going away
  });
  RunningApp running(app);
  CHECK(testsupport::http_request(running.port(), "GET", "/events").status == 401);
  SseClient client(running.port(), "/events", {{"Authorization", "Bearer s3cret"}, {"Origin", "https://example.org"}});
  REQUIRE(client.status() == 200);
  CHECK(client.header("Access-Control-Allow-Origin") == "https://example.org");
  REQUIRE(client.next_event());
  SseClient second(running.port(), "/events?access_token=s3cret");
  CHECK(second.status() == 503);  // one stream at most
}
