// Unit tests for replay routes: every match rule, the -r option form, the 404 description, and the routes file
// with its errors named by line.
#include <catch2/catch.hpp>

#include <fstream>

#include "ssetool/base/errors.hpp"
#include "ssetool/replay/route.hpp"
#include "ssetool/replay/routes_file.hpp"

using namespace ssetool;

namespace {

Request request(std::string method, std::string path, std::string body = {}) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  return r;
}

std::vector<Route> parse(const std::string& text) { return parse_routes_file(text, "routes.json", "", Route{}); }

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a route matches on method and exact or prefix path", "[replay][route]") {
  RouteMatch m;
  m.methods = {"POST"};
  m.path = "/v1/chat/completions";
  CHECK(route_matches(m, request("POST", "/v1/chat/completions")));
  CHECK_FALSE(route_matches(m, request("GET", "/v1/chat/completions")));
  CHECK_FALSE(route_matches(m, request("POST", "/v1/chat/completions/x")));
  m.path = "/v1/*";
  CHECK(route_matches(m, request("POST", "/v1/anything")));
  CHECK_FALSE(route_matches(m, request("POST", "/v2/anything")));
  CHECK(route_matches(RouteMatch{}, request("DELETE", "/whatever")));  // no rules: matches everything
}

TEST_CASE("a route matches on query parameters, headers (names case-insensitive) and the body", "[replay][route]") {
  RouteMatch m;
  m.query = {{"stream", "true"}};
  m.headers = {{"X-Api-Key", "k1"}};
  m.body_contains = {"\"stream\":true"};
  Request r = request("POST", "/x", "{\"model\":\"m\",\"stream\":true}");
  r.query = {{"stream", "true"}};
  r.headers = {{"x-api-key", "k1"}};
  CHECK(route_matches(m, r));
  r.headers = {{"x-api-key", "k2"}};
  CHECK_FALSE(route_matches(m, r));
  r.headers = {{"x-api-key", "k1"}};
  r.query = {{"stream", "false"}};
  CHECK_FALSE(route_matches(m, r));
  r.query = {{"stream", "true"}};
  r.body = "{\"stream\":false}";
  CHECK_FALSE(route_matches(m, r));
}

TEST_CASE("a route matches values at JSON pointers in a JSON body", "[replay][route]") {
  RouteMatch m;
  m.json = {{"/model", "\"gpt-4o\""}, {"/max_tokens", "100"}, {"/messages/0/role", "\"user\""}};
  CHECK(route_matches(m, request("POST", "/", R"({"max_tokens":100.0,"model":"gpt-4o","messages":[{"role":"user"}]})")));
  CHECK_FALSE(route_matches(m, request("POST", "/", R"({"max_tokens":100,"model":"gpt-4","messages":[{"role":"user"}]})")));
  CHECK_FALSE(route_matches(m, request("POST", "/", R"({"model":"gpt-4o"})")));
  CHECK_FALSE(route_matches(m, request("POST", "/", "not json")));
  CHECK_FALSE(route_matches(m, request("POST", "/", "[1,2]")));
}

TEST_CASE("replay -r takes PATH=FILE or 'METHOD PATH=FILE'", "[replay][route]") {
  auto a = parse_route_option("/events=chat.sse");
  CHECK(a.methods == std::vector<std::string>{"GET", "POST"});
  CHECK(a.path == "/events");
  CHECK(a.file == "chat.sse");
  auto b = parse_route_option("post,Get /v1/x=dir/a=b.sse");
  CHECK(b.methods == std::vector<std::string>{"POST", "GET"});
  CHECK(b.path == "/v1/x");
  CHECK(b.file == "dir/a=b.sse");
  CHECK_THROWS_AS(parse_route_option("events=chat.sse"), InvalidArgument);
  CHECK_THROWS_AS(parse_route_option("/events"), InvalidArgument);
  CHECK_THROWS_AS(parse_route_option("/events="), InvalidArgument);
  CHECK_THROWS_AS(parse_route_option("G3T /events=x"), InvalidArgument);
}

TEST_CASE("a route describes itself for the 404 listing", "[replay][route]") {
  Route r;
  r.name = "chat";
  r.match.methods = {"POST"};
  r.match.path = "/v1/chat";
  r.match.headers = {{"x-api-key", "k"}};
  r.match.body_contains = {"\"stream\":true"};
  r.match.json = {{"/model", "\"m\""}};
  r.status = 429;
  CHECK(describe_route(r) ==
        "POST /v1/chat [header x-api-key: k, body contains \"\\\"stream\\\":true\", json /model = \"m\"] -> status 429 (chat)");
  CHECK(describe_route(Route{}) == "* * -> status 200");
}

TEST_CASE("a routes file: match rules, responses and per-route settings over the defaults", "[replay][route][routes-file]") {
  Route defaults;
  defaults.playback.speed = 3;
  defaults.fail_status = 500;
  auto routes = parse_routes_file(R"([
    {"name": "limited", "match": {"method": ["post"], "path": "/v1/*", "headers": {"X-Key": "a"},
                                  "query": {"q": "1"}, "body_contains": ["x", "y"], "json": {"/n": 1}},
     "status": 429, "body": {"error": "slow down"}, "headers": {"Retry-After": "3"},
     "speed": 0.5, "interval": "10ms", "first_byte_delay": "1s", "jitter": "2ms", "loop": true,
     "chunking": "byte", "drop_after": 2, "stall_after": 3, "fail_first": 1, "fail_status": 502},
    {"status": 204},
    {"body": "plain"}
  ])", "routes.json", "", defaults);
  REQUIRE(routes.size() == 3);
  const Route& a = routes[0];
  CHECK(a.name == "limited");
  CHECK(a.origin == "routes.json:2");
  CHECK(a.match.methods == std::vector<std::string>{"POST"});
  CHECK(a.match.path == "/v1/*");
  CHECK(a.match.headers == Headers{{"X-Key", "a"}});
  CHECK(a.match.query == Headers{{"q", "1"}});
  CHECK(a.match.body_contains == std::vector<std::string>{"x", "y"});
  CHECK(a.match.json == std::vector<std::pair<std::string, std::string>>{{"/n", "1"}});
  CHECK(a.status == 429);
  CHECK(a.body == R"({"error":"slow down"})");
  CHECK(a.content_type == "application/json");
  CHECK(a.headers == Headers{{"Retry-After", "3"}});
  CHECK(a.playback.speed == 0.5);
  CHECK(a.playback.interval == std::chrono::milliseconds(10));
  CHECK(a.playback.first_byte_delay == std::chrono::seconds(1));
  CHECK(a.playback.jitter == std::chrono::milliseconds(2));
  CHECK(a.playback.loop);
  CHECK(a.playback.chunking == Chunking::byte);
  CHECK(a.playback.drop_after == 2u);
  CHECK(a.playback.stall_after == 3u);
  CHECK(a.fail_first == 1);
  CHECK(a.fail_status == 502);
  CHECK(routes[1].playback.speed == 3);  // from the defaults
  CHECK(routes[1].fail_status == 500);
  CHECK(routes[1].status == 204);
  CHECK(routes[2].content_type == "text/plain; charset=utf-8");
}

TEST_CASE("a routes file's mistakes are named with their line", "[replay][route][routes-file]") {
  CHECK(error_of("[\n {\"status\": 200},\n {\n  \"match\": {\"path\": \"/x\",\n   \"metod\": \"GET\"}, \"status\": 200}\n]") ==
        "routes.json:5: route 2: unknown key 'metod' in 'match'");
  CHECK(error_of("[\n {\n  \"staus\": 200\n }\n]") == "routes.json:3: route 1: unknown key 'staus'");
  CHECK(error_of("[\n {\"status\": 200,\n  \"speed\": -1}\n]") ==
        "routes.json:3: route 1: 'speed' must be a number >= 0 (2: twice as fast, 0: no delays)");
  CHECK(error_of("[\n {\"status\": 200,\n  \"interval\": \"10\"}\n]").starts_with("routes.json:3: route 1: 'interval': "));
  CHECK(error_of("[\n {\"match\": {\"path\": \"x\"}, \"status\": 200}\n]") ==
        "routes.json:2: route 1: path 'x' must start with '/'");
  CHECK(error_of("[\n {\"name\": \"a\"}\n]") == "routes.json:2: route 1: a route needs 'recording', 'preset', or 'status' and/or 'body'");
  CHECK(error_of("[\n {\"status\": 200,\n  \"chunking\": \"words\"}\n]") ==
        "routes.json:3: route 1: 'chunking' 'words': expected event, line, byte or random");
  CHECK(error_of("[\n {\"status\": 99}\n]") == "routes.json:2: route 1: 'status' must be an HTTP status from 100 to 599");
  CHECK(error_of("[\n {\"match\": {\"json\": {\"model\": 1}}, \"status\": 200}\n]") ==
        "routes.json:2: route 1: 'model' is not a JSON pointer (like /model or /messages/0/role)");
  CHECK(error_of("[\n {\"status\": 200,\n  \"recording\": \"nope.sse\"}\n]") == "routes.json:3: route 1: nope.sse: cannot read: No such file or directory");
  CHECK(error_of("[\n {\"status\": 200,}\n]").starts_with("routes.json:2: not valid JSON: "));
  CHECK(error_of("{\"status\": 200}") == "routes.json:1: the routes file must be a JSON array of routes");
  CHECK(error_of("[]") == "routes.json:1: the routes file has no routes");
}

// Issue 12: `1e999` escaped as an uncaught nlohmann out_of_range (exit 1, no FILE:LINE); deep nesting overflowed
// the stack when the body was written back out.
TEST_CASE("a routes file: what the JSON library throws is named with its line too", "[replay][route][routes-file]") {
  CHECK(error_of("[\n {\"status\": 200,\n  \"speed\": 1e999}\n]") ==
        "routes.json:3: not valid JSON: number overflow parsing '1e999'");
  CHECK(error_of("[\n {\"status\": 200,\n  \"body\": \"\xff\"}\n]").starts_with("routes.json:3: not valid JSON: "));
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK(error_of("[\n {\"status\": 200,\n  \"body\": " + deep + "}\n]") ==
        "routes.json:3: not valid JSON: arrays and objects nested deeper than 512 levels");
  std::string allowed = std::string(500, '[') + std::string(500, ']');
  auto routes = parse("[\n {\"status\": 200,\n  \"body\": " + allowed + "}\n]");
  REQUIRE(routes.size() == 1);
  CHECK(routes[0].body == allowed);
}

TEST_CASE("a request body nested too deep simply does not match a JSON rule", "[replay][route]") {
  RouteMatch m;
  m.json = {{"/a", "1"}};
  std::string deep = "{\"a\":1,\"b\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  CHECK_FALSE(route_matches(m, request("POST", "/", deep)));
  CHECK(route_matches(m, request("POST", "/", R"({"a":1,"b":[[[]]]})")));
}

TEST_CASE("a route matches a regular expression anywhere in the raw body (RE2)", "[replay][route]") {
  RouteMatch m;
  m.body_regex = {BodyPattern(R"("role":\s*"tool")")};
  CHECK(route_matches(m, request("POST", "/x", R"({"messages":[{"role": "tool"}]})")));
  CHECK_FALSE(route_matches(m, request("POST", "/x", R"({"messages":[{"role":"user"}]})")));
  CHECK_THROWS_WITH(BodyPattern("(unclosed"), Catch::Contains("'(unclosed': not a valid regular expression: "));
  // Linear time: a pattern that backtracks exponentially elsewhere, on a long hostile body, answers at once.
  BodyPattern evil("(a+)+$");
  CHECK_FALSE(evil.found_in(std::string(100000, 'a') + "!"));
}

TEST_CASE("the most specific matching route answers, the first of equals", "[replay][route]") {
  auto make = [](std::string name, RouteMatch m) {
    Route r;
    r.name = std::move(name);
    r.match = std::move(m);
    return r;
  };
  RouteMatch any;
  RouteMatch prefix;
  prefix.path = "/v1/*";
  RouteMatch exact = prefix;
  exact.path = "/v1/chat";
  RouteMatch gpt4 = exact;
  gpt4.json = {{"/model", "\"gpt-4o\""}};
  RouteMatch tool = exact;
  tool.body_regex = {BodyPattern("\"tool\"")};
  CHECK(route_specificity(any) == 0);
  CHECK(route_specificity(prefix) == 1);
  CHECK(route_specificity(exact) == 2);
  CHECK(route_specificity(gpt4) == 3);
  std::vector<Route> routes = {make("any", any), make("prefix", prefix), make("exact", exact), make("gpt4", gpt4),
                               make("tool", tool)};
  auto winner = [&](const std::string& path, const std::string& body) {
    auto i = choose_route(routes, request("POST", path, body));
    return i ? routes[*i].name : std::string("none");
  };
  CHECK(winner("/v1/chat", R"({"model":"gpt-4o"})") == "gpt4");     // listed after less specific routes
  CHECK(winner("/v1/chat", R"({"model":"gpt-4o","x":"tool"})") == "gpt4");  // as specific as "tool": the first
  CHECK(winner("/v1/chat", R"({"model":"o3","x":"tool"})") == "tool");
  CHECK(winner("/v1/chat", "{}") == "exact");
  CHECK(winner("/v1/other", "{}") == "prefix");
  CHECK(winner("/v2", "{}") == "any");
  routes.erase(routes.begin());
  CHECK(winner("/v2", "{}") == "none");
}

TEST_CASE("a routes file reads body_regex, and names a bad pattern with its line", "[replay][route][routes-file]") {
  auto routes = parse(R"([{"match": {"body_regex": ["a+b", "c"]}, "status": 200}])");
  REQUIRE(routes[0].match.body_regex.size() == 2);
  CHECK(routes[0].match.body_regex[0].text() == "a+b");
  CHECK(describe_route(routes[0]) == "* * [body regex \"a+b\", body regex \"c\"] -> status 200");
  CHECK(error_of("[\n{\"status\": 200, \"match\": {\n\"body_regex\": \"(x\"}}]")
            .starts_with("routes.json:3: route 1: 'body_regex' '(x': not a valid regular expression: "));
}

TEST_CASE("a routes file's sequence: steps inherit the route's settings, mistakes are named", "[replay][route][routes-file]") {
  auto routes = parse(R"([{"speed": 3, "sequence": [{"status": 503}, {"body": "ok", "speed": 1}], "then": "repeat"}])");
  REQUIRE(routes[0].sequence.size() == 2);
  CHECK_FALSE(routes[0].cycle);
  CHECK(routes[0].sequence[0].status == 503);
  CHECK(routes[0].sequence[0].playback.speed == 3);
  CHECK(routes[0].sequence[1].playback.speed == 1);
  CHECK(error_of(R"([{"sequence": []}])") == "routes.json:1: route 1: 'sequence' must be a non-empty array of responses");
  CHECK(error_of(R"([{"sequence": [{"match": {}}]}])") ==
        "routes.json:1: route 1: 'match' belongs to the route, not to a step of 'sequence'");
  CHECK(error_of(R"([{"sequence": [{"body": "x"}], "status": 200}])") ==
        "routes.json:1: route 1: give 'status' in the steps of 'sequence', not beside it");
  CHECK(error_of(R"([{"sequence": [{"body": "x"}], "then": "loop"}])") ==
        "routes.json:1: route 1: 'then' must be \"repeat\" (the last step again) or \"cycle\"");
  CHECK(error_of(R"([{"status": 200, "then": "cycle"}])") ==
        "routes.json:1: route 1: 'then' applies to 'sequence', which is not given");
  CHECK(error_of(R"([{"sequence": [{"bdy": "x"}]}])") == "routes.json:1: route 1: unknown key 'bdy' in a step of 'sequence'");
}
