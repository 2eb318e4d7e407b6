// Unit tests for the HTTP policy around a server's handler: auth (--token, Bearer or access_token, /healthz
// open to all), CORS (preflight, allowed origins, "*"), /metrics with the application's values, admission
// (--max-clients, none once stopping) and the headers every response carries.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "ssetool/server/policy.hpp"

using namespace ssetool;

namespace {

Request get(std::string path, Headers headers = {}, Headers query = {}) {
  Request req;
  req.method = "GET";
  req.path = std::move(path);
  req.headers = std::move(headers);
  req.query = std::move(query);
  return req;
}

// The application behind the policy: /events is a stream, anything else a short answer.
Reply application(const Request& req) {
  if (req.path == "/events") return Reply::stream([](Session&) {});
  return Reply::text(200, "app\n");
}

struct Fixture {
  ServerOptions options;
  ServerStats stats;

  Fixture() { options.max_clients = 10; }
};

bool has_header(const Reply& reply, const std::string& name, const std::string& value) {
  for (const auto& [n, v] : reply.headers)
    if (header_name_equals(n, name) && v == value) return true;
  return false;
}

}  // namespace

TEST_CASE("policy: without --token every request reaches the application", "[policy]") {
  Fixture f;
  HttpPolicy policy(f.options, f.stats, application);
  Reply reply = policy.answer(get("/anything"));
  CHECK(reply.status == 200);
  CHECK(reply.body == "app\n");
}

TEST_CASE("policy: --token needs Bearer or access_token, /healthz is open to all", "[policy]") {
  Fixture f;
  f.options.token = "s3cret";
  HttpPolicy policy(f.options, f.stats, application);
  Reply refused = policy.answer(get("/anything"));
  CHECK(refused.status == 401);
  CHECK(has_header(refused, "WWW-Authenticate", "Bearer"));
  CHECK(refused.body.find("s3cret") == std::string::npos);
  CHECK(policy.answer(get("/anything", {{"Authorization", "Bearer wrong!"}})).status == 401);
  CHECK(policy.answer(get("/anything", {{"Authorization", "Basic s3cret"}})).status == 401);
  CHECK(policy.answer(get("/anything", {{"Authorization", "Bearer s3cret"}})).status == 200);
  CHECK(policy.answer(get("/anything", {{"authorization", "Bearer s3cret"}})).status == 200);
  CHECK(policy.answer(get("/anything", {}, {{"access_token", "s3cret"}})).status == 200);
  CHECK(policy.answer(get("/anything", {}, {{"access_token", "s3cre"}})).status == 401);
  CHECK(policy.answer(get("/metrics")).status == 401);
  Reply health = policy.answer(get("/healthz"));
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
}

TEST_CASE("policy: secrets compare equal only when identical", "[policy]") {
  CHECK(same_secret("abc", "abc"));
  CHECK_FALSE(same_secret("abd", "abc"));
  CHECK_FALSE(same_secret("ab", "abc"));
  CHECK_FALSE(same_secret("abcd", "abc"));
  CHECK_FALSE(same_secret("", "abc"));
  CHECK(authorized(get("/"), ""));
  CHECK_FALSE(authorized(get("/"), "t"));
}

TEST_CASE("policy: CORS preflight, and the allowed origin on responses", "[policy]") {
  Fixture f;
  f.options.cors_origins = {"https://app.example"};
  f.options.token = "t";  // a preflight carries no credentials: it is answered before auth
  HttpPolicy policy(f.options, f.stats, application);
  Request preflight = get("/events", {{"Origin", "https://app.example"},
                                      {"Access-Control-Request-Headers", "last-event-id"}});
  preflight.method = "OPTIONS";
  Reply pre = policy.answer(preflight);
  CHECK(pre.status == 204);
  CHECK_FALSE(pre.open_stream);
  CHECK(has_header(pre, "Access-Control-Allow-Headers", "last-event-id"));
  CHECK(has_header(pre, "Access-Control-Allow-Methods", "GET, POST, OPTIONS"));
  CHECK(has_header(pre, "Access-Control-Allow-Origin", "https://app.example"));
  CHECK(has_header(pre, "Access-Control-Allow-Credentials", "true"));
  CHECK(has_header(pre, "Vary", "Origin"));

  preflight.headers = {{"Origin", "https://app.example"}};
  CHECK(has_header(policy.answer(preflight), "Access-Control-Allow-Headers",
                   "Authorization, Last-Event-ID, Content-Type, Cache-Control"));

  Reply other = policy.answer(get("/healthz", {{"Origin", "https://evil.example"}}));
  CHECK(other.status == 200);
  CHECK_FALSE(find_header(other.headers, "Access-Control-Allow-Origin"));
}

TEST_CASE("policy: CORS with * allows every origin, without --cors OPTIONS goes to the application", "[policy]") {
  Fixture f;
  f.options.cors_origins = {"*"};
  Reply any = HttpPolicy(f.options, f.stats, application).answer(get("/x", {{"Origin", "https://a.example"}}));
  CHECK(has_header(any, "Access-Control-Allow-Origin", "*"));
  CHECK_FALSE(find_header(any.headers, "Access-Control-Allow-Credentials"));

  f.options.cors_origins.clear();
  Request options = get("/x");
  options.method = "OPTIONS";
  Reply reply = HttpPolicy(f.options, f.stats, application).answer(options);
  CHECK(reply.body == "app\n");
  CHECK_FALSE(find_header(reply.headers, "Access-Control-Allow-Origin"));
}

TEST_CASE("policy: extra headers on every response, stream headers on streams", "[policy]") {
  Fixture f;
  f.options.extra_headers = {{"X-Served-By", "ssetool"}};
  HttpPolicy policy(f.options, f.stats, application);
  Reply text = policy.answer(get("/x"));
  CHECK(has_header(text, "X-Served-By", "ssetool"));
  CHECK_FALSE(find_header(text.headers, "Cache-Control"));
  Reply stream = policy.answer(get("/events"));
  CHECK(stream.open_stream);
  CHECK(has_header(stream, "Cache-Control", "no-cache"));
  CHECK(has_header(stream, "X-Accel-Buffering", "no"));
  CHECK(has_header(stream, "X-Served-By", "ssetool"));
}

TEST_CASE("policy: /metrics shows the server's counters and the application's values", "[policy]") {
  Fixture f;
  f.options.application_metrics = [] { return ApplicationMetrics{.events_published = 42, .history_length = 7}; };
  f.stats.clients_connected = 3;
  f.stats.loops.emplace_back();  // two stream loops: their counters are summed, their streams listed per loop
  f.stats.loops.emplace_back();
  f.stats.loops[0].delivered.frames = 4;
  f.stats.loops[1].delivered.frames = 7;
  f.stats.loops[1].clients = 3;
  HttpPolicy policy(f.options, f.stats, application);
  Reply reply = policy.answer(get("/metrics"));
  CHECK(reply.status == 200);
  CHECK(reply.content_type == "text/plain; version=0.0.4");
  CHECK(reply.body.find("# HELP ssetool_events_published_total Events published.\n"
                        "# TYPE ssetool_events_published_total counter\n"
                        "ssetool_events_published_total 42\n") != std::string::npos);
  CHECK(reply.body.find("\nssetool_history_length 7\n") != std::string::npos);
  CHECK(reply.body.find("\nssetool_clients_connected 3\n") != std::string::npos);
  CHECK(reply.body.find("\nssetool_frames_delivered_total 11\n") != std::string::npos);
  CHECK(reply.body.find("\nssetool_stream_loops 2\n") != std::string::npos);
  CHECK(reply.body.find("\nssetool_loop_clients_connected{loop=\"0\"} 0\n"
                        "ssetool_loop_clients_connected{loop=\"1\"} 3\n") != std::string::npos);

  f.options.application_metrics = nullptr;  // serve and replay: none, shown as 0
  Reply without = HttpPolicy(f.options, f.stats, application).answer(get("/metrics"));
  CHECK(without.body.find("\nssetool_events_published_total 0\n") != std::string::npos);
  CHECK(without.body.find("\nssetool_history_length 0\n") != std::string::npos);
}

TEST_CASE("policy: at most max_clients streams, a released place is free again, none once stopping",
          "[policy]") {
  Fixture f;
  f.options.max_clients = 2;
  HttpPolicy policy(f.options, f.stats, application);
  CHECK(policy.answer(get("/events")).open_stream);
  CHECK(policy.answer(get("/events")).open_stream);
  Reply full = policy.answer(get("/events"));
  CHECK(full.status == 503);
  CHECK_FALSE(full.open_stream);
  CHECK(has_header(full, "Retry-After", "1"));
  CHECK(policy.answer(get("/x")).status == 200);  // short requests are not counted
  policy.release_stream();
  CHECK(policy.answer(get("/events")).open_stream);
  policy.release_stream();
  policy.release_stream();
  policy.stop_admitting();
  CHECK(policy.answer(get("/events")).status == 503);
}

TEST_CASE("policy: admission holds under concurrent requests", "[policy][concurrency]") {
  Fixture f;
  f.options.max_clients = 50;
  HttpPolicy policy(f.options, f.stats, application);
  std::atomic<int> admitted{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&] {
      for (int i = 0; i < 100; ++i)
        if (policy.answer(get("/events")).open_stream) admitted.fetch_add(1);
    });
  for (auto& w : workers) w.join();
  CHECK(admitted == 50);
}

TEST_CASE("policy: a handler may take its stream's place before costly work, the place is counted once",
          "[policy]") {
  Fixture f;
  f.options.max_clients = 2;
  HttpPolicy* self = nullptr;
  int costly_work = 0;
  // Like serve: the place first, then the work (a process), then the stream marked as admitted.
  HttpPolicy policy(f.options, f.stats, [&](const Request&) {
    if (!self->reserve_stream()) return Reply::text(503, "too many clients\n");
    ++costly_work;
    Reply reply = Reply::stream([](Session&) {});
    reply.admitted = true;
    return reply;
  });
  self = &policy;
  Reply first = policy.answer(get("/events"));
  CHECK(first.open_stream);
  CHECK(has_header(first, "Cache-Control", "no-cache"));
  CHECK(policy.answer(get("/events")).open_stream);
  CHECK(policy.answer(get("/events")).status == 503);
  CHECK(costly_work == 2);  // the third request never got that far
  policy.release_stream();
  CHECK(policy.reserve_stream());
  CHECK_FALSE(policy.reserve_stream());
  policy.release_stream();
  policy.release_stream();
  policy.stop_admitting();
  CHECK_FALSE(policy.reserve_stream());
}
