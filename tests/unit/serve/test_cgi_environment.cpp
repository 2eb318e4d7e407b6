// Unit tests for the CGI-style environment of `serve` children: the request's variables, header names,
// withheld credentials, PATH_INFO below the stream's path, and --env-clear.
#include <catch2/catch.hpp>

#include <algorithm>

#include "ssetool/serve/cgi_environment.hpp"

using namespace ssetool;

namespace {

Request sample_request() {
  Request r;
  r.method = "GET";
  r.path = "/events/user/42";
  r.query_string = "topic=a%20b&access_token=secret&n=1";
  r.headers = {{"Host", "example"},        {"X-Forwarded-For", "10.0.0.1"}, {"Authorization", "Bearer secret"},
               {"Accept", "text/event-stream"}, {"Proxy", "http://evil"},     {"X-Multi", "one"},
               {"x-multi", "two"}};
  r.remote_addr = "127.0.0.1";
  r.remote_port = 54321;
  r.local_port = 8080;
  return r;
}

CgiOptions sample_options() { return {.script_name = "/events", .session_id = "abc123", .last_event_id = "7"}; }

// The value of NAME in env, or nullopt.
std::optional<std::string> lookup(const std::vector<std::string>& env, const std::string& name) {
  std::optional<std::string> found;
  for (const auto& e : env)
    if (e.rfind(name + "=", 0) == 0) {
      CHECK_FALSE(found);  // every name at most once
      found = e.substr(name.size() + 1);
    }
  return found;
}

}  // namespace

TEST_CASE("serve environment: the request's variables", "[serve]") {
  auto env = cgi_environment(sample_request(), sample_options(), {"HOME=/root", "PATH=/bin"});
  CHECK(lookup(env, "REQUEST_METHOD") == "GET");
  CHECK(lookup(env, "REQUEST_URI") == "/events/user/42?topic=a%20b&n=1");
  CHECK(lookup(env, "SCRIPT_NAME") == "/events");
  CHECK(lookup(env, "PATH_INFO") == "/user/42");
  CHECK(lookup(env, "QUERY_STRING") == "topic=a%20b&n=1");
  CHECK(lookup(env, "REMOTE_ADDR") == "127.0.0.1");
  CHECK(lookup(env, "REMOTE_PORT") == "54321");
  CHECK(lookup(env, "SERVER_PORT") == "8080");
  CHECK(lookup(env, "LAST_EVENT_ID") == "7");
  CHECK(lookup(env, "SSE_SESSION_ID") == "abc123");
  CHECK(lookup(env, "HTTP_HOST") == "example");
  CHECK(lookup(env, "HTTP_X_FORWARDED_FOR") == "10.0.0.1");
  CHECK(lookup(env, "HTTP_ACCEPT") == "text/event-stream");
  CHECK(lookup(env, "HTTP_X_MULTI") == "one, two");
  CHECK(lookup(env, "HOME") == "/root");
  CHECK(lookup(env, "PATH") == "/bin");
}

TEST_CASE("serve environment: credentials are withheld unless passed, a Proxy header never passes", "[serve]") {
  auto env = cgi_environment(sample_request(), sample_options(), {});
  CHECK_FALSE(lookup(env, "HTTP_AUTHORIZATION"));
  CHECK_FALSE(lookup(env, "HTTP_PROXY"));
  for (const auto& e : env) CHECK(e.find("secret") == std::string::npos);

  auto options = sample_options();
  options.pass_auth = true;
  env = cgi_environment(sample_request(), options, {});
  CHECK(lookup(env, "HTTP_AUTHORIZATION") == "Bearer secret");
  CHECK(lookup(env, "QUERY_STRING") == "topic=a%20b&access_token=secret&n=1");
  CHECK_FALSE(lookup(env, "HTTP_PROXY"));
}

TEST_CASE("serve environment: without Last-Event-ID there is no LAST_EVENT_ID", "[serve]") {
  auto options = sample_options();
  options.last_event_id.reset();
  CHECK_FALSE(lookup(cgi_environment(sample_request(), options, {}), "LAST_EVENT_ID"));
}

TEST_CASE("serve environment: the request's variables replace the parent's of the same name", "[serve]") {
  auto env = cgi_environment(sample_request(), sample_options(), {"QUERY_STRING=stale", "SSE_SESSION_ID=old", "A=b"});
  CHECK(lookup(env, "QUERY_STRING") == "topic=a%20b&n=1");
  CHECK(lookup(env, "SSE_SESSION_ID") == "abc123");
  CHECK(lookup(env, "A") == "b");
}

TEST_CASE("serve environment: --env-clear keeps only PATH (or a default one)", "[serve]") {
  auto options = sample_options();
  options.clear = true;
  auto env = cgi_environment(sample_request(), options, {"HOME=/root", "PATH=/opt/bin:/bin", "SECRET=x"});
  CHECK(lookup(env, "PATH") == "/opt/bin:/bin");
  CHECK_FALSE(lookup(env, "HOME"));
  CHECK_FALSE(lookup(env, "SECRET"));
  CHECK(lookup(env, "QUERY_STRING") == "topic=a%20b&n=1");
  env = cgi_environment(sample_request(), options, {"HOME=/root"});
  CHECK(lookup(env, "PATH") == "/usr/local/bin:/usr/bin:/bin");
}

TEST_CASE("serve environment: PATH_INFO is what follows the stream's path", "[serve]") {
  Request r = sample_request();
  auto options = sample_options();
  r.path = "/events";
  CHECK(lookup(cgi_environment(r, options, {}), "PATH_INFO") == "");
  options.script_name = "/";
  r.path = "/anything/here";
  auto env = cgi_environment(r, options, {});
  CHECK(lookup(env, "SCRIPT_NAME") == "");
  CHECK(lookup(env, "PATH_INFO") == "/anything/here");
}

TEST_CASE("serve environment: header names become HTTP_ variables", "[serve]") {
  CHECK(cgi_header_variable("Last-Event-ID") == "HTTP_LAST_EVENT_ID");
  CHECK(cgi_header_variable("x.custom~name") == "HTTP_X_CUSTOM_NAME");
  CHECK(cgi_header_variable("Sec-CH-UA") == "HTTP_SEC_CH_UA");
}

TEST_CASE("serve environment: removing a query parameter keeps the rest as sent", "[serve]") {
  CHECK(remove_query_parameter("a=1&access_token=x&b=2", "access_token") == "a=1&b=2");
  CHECK(remove_query_parameter("access_token=x", "access_token") == "");
  CHECK(remove_query_parameter("access%5Ftoken=x&access_token&c=%41", "access_token") == "c=%41");
  CHECK(remove_query_parameter("a&&b=", "access_token") == "a&&b=");
  CHECK(remove_query_parameter("", "access_token") == "");
}
