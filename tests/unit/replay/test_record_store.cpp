// Unit tests for replay --record's directory (replay/record_store.hpp) and the headers a recording proxy passes on
// (replay/proxy_headers.hpp): tape names from a counter and a sanitised request, routes.json added to atomically
// and loadable as a routes file, a new recording of the same request replacing the old one, no request header on
// disk; hop-by-hop headers dropped both ways.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ssetool/base/errors.hpp"
#include "ssetool/replay/proxy_headers.hpp"
#include "ssetool/replay/record_store.hpp"
#include "ssetool/replay/routes_file.hpp"
#include "temp_dir.hpp"

using namespace ssetool;
namespace fs = std::filesystem;

namespace {

Request request(std::string method, std::string path, std::string body = {}, Headers query = {}) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  r.query = std::move(query);
  r.headers = {{"Authorization", "Bearer s3cret"}};
  return r;
}

// Writes a one-event tape where `tape` will be saved from.
void write_partial(const RecordedTape& tape, const std::string& data) {
  std::ofstream(tape.partial_path) << R"({"tape":1,"status":200,"headers":[["Content-Type","text/event-stream"]]})"
                                   << "\n{\"t\":0,\"data\":\"" << data << "\"}\n";
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("record store: tape names come from a counter and a sanitised method and path", "[replay][record]") {
  testsupport::TempDir dir;
  RecordStore store(dir.file("tapes"));
  CHECK(fs::is_directory(dir.file("tapes")));
  CHECK(store.new_tape(request("POST", "/v1/chat/completions")).name == "0001-post-v1-chat-completions.tape");
  CHECK(store.new_tape(request("GET", "/../../etc/passwd")).name == "0002-get-etc-passwd.tape");
  CHECK(store.new_tape(request("GET", "/")).name == "0003-get-root.tape");
  RecordedTape odd = store.new_tape(request("GET", "/a b/\xC3\xA9/" + std::string(200, 'x')));
  CHECK(odd.name.size() <= 4 + 1 + 3 + 1 + 48 + 5);
  CHECK(odd.name.find('/') == std::string::npos);
  CHECK(fs::path(odd.path).parent_path() == fs::path(dir.file("tapes")));
  CHECK(fs::path(odd.partial_path).filename().string().front() == '.');
  // A new store in the same directory continues after the highest number there.
  write_partial(odd, "x");
  store.save(odd, request("GET", "/odd"));
  RecordStore again(dir.file("tapes"));
  CHECK(again.new_tape(request("GET", "/next")).name == "0005-get-next.tape");
}

TEST_CASE("record store: each saved exchange is a route of routes.json that replay loads and matches",
          "[replay][record]") {
  testsupport::TempDir dir;
  RecordStore store(dir.path());
  Request chat = request("POST", "/v1/chat", R"({"model": "a", "stream": true})");
  Request other = request("POST", "/v1/chat", R"({"model": "b"})");
  Request feed = request("GET", "/feed", {}, {{"room", "1"}});
  Request text = request("POST", "/form", "name=x&y=2");
  for (Request* r : {&chat, &other, &feed, &text}) {
    RecordedTape tape = store.new_tape(*r);
    write_partial(tape, r->path);
    store.save(tape, *r);
    CHECK(fs::exists(tape.path));
    CHECK_FALSE(fs::exists(tape.partial_path));
  }
  CHECK_FALSE(fs::exists(store.routes_path() + ".partial"));
  std::string routes_text = read(store.routes_path());
  CHECK(routes_text.find("s3cret") == std::string::npos);  // no request header is ever written

  std::vector<Route> routes = load_routes_file(store.routes_path(), Route{});
  REQUIRE(routes.size() == 4);
  auto pick = [&](const Request& r) { return choose_route(routes, r); };
  Request chat_reordered = request("POST", "/v1/chat", R"({"stream":true,"model":"a"})");  // the same JSON value
  CHECK(pick(chat_reordered) == 0u);
  CHECK(pick(other) == 1u);
  CHECK(pick(request("POST", "/v1/chat", R"({"model": "c"})")) == std::nullopt);
  CHECK(pick(feed) == 2u);
  CHECK(pick(request("GET", "/feed", {}, {{"room", "2"}})) == std::nullopt);
  CHECK(pick(text) == 3u);
  CHECK(routes[0].recording->responses.front().event_count == 1);
}

TEST_CASE("record store: a new recording of the same request replaces the route's tape", "[replay][record]") {
  testsupport::TempDir dir;
  RecordStore store(dir.path());
  Request r = request("GET", "/events");
  RecordedTape first = store.new_tape(r);
  write_partial(first, "old");
  store.save(first, r);
  RecordedTape second = store.new_tape(r);
  write_partial(second, "new");
  store.save(second, r);
  auto routes = nlohmann::json::parse(read(store.routes_path()));
  REQUIRE(routes.size() == 1);
  CHECK(routes[0]["recording"] == second.name);
  CHECK_FALSE(fs::exists(first.path));
  store.discard(store.new_tape(r));  // nothing written: nothing to remove, no error
}

TEST_CASE("record store: a routes.json that is not an array is refused at once", "[replay][record]") {
  testsupport::TempDir dir;
  dir.write("routes.json", "{\"not\": \"an array\"}");
  CHECK_THROWS_AS(RecordStore(dir.path()), InvalidArgument);
}

TEST_CASE("proxy headers: hop-by-hop headers stay behind, Host and framing are the forwarder's own",
          "[replay][record]") {
  Headers from_client = {{"Host", "127.0.0.1:8080"},    {"Authorization", "Bearer k"}, {"Connection", "keep-alive, X-Hop"},
                         {"X-Hop", "1"},                {"Keep-Alive", "timeout=5"},    {"Content-Length", "12"},
                         {"Accept-Encoding", "gzip"},   {"Content-Type", "application/json"},
                         {"Proxy-Authorization", "p"}, {"TE", "trailers"},             {"X-Test-Id", "t1"}};
  Headers up = upstream_request_headers(from_client);
  CHECK(up == Headers{{"Authorization", "Bearer k"},
                      {"Content-Type", "application/json"},
                      {"X-Test-Id", "t1"},
                      {"Accept-Encoding", "identity"}});
  Headers from_upstream = {{"Content-Type", "text/event-stream"}, {"Transfer-Encoding", "chunked"},
                           {"X-Request-Id", "r1"},                {"Cache-Control", "no-cache"},
                           {"Connection", "close"},               {"openai-processing-ms", "12"}};
  CHECK(client_response_headers(from_upstream) == Headers{{"X-Request-Id", "r1"}, {"openai-processing-ms", "12"}});
}
