// Tests of failure_message and body_excerpt (lib/include/ssetool/client/failure_message.hpp): the line `listen`
// prints on stderr when a run fails.
#include <catch2/catch.hpp>

#include "ssetool/client/failure_message.hpp"

using ssetool::ClientResult;

TEST_CASE("failure_message: a rejected response with the start of its body", "[client]") {
  ClientResult r;
  r.reason = ClientResult::Reason::rejected;
  r.message = "HTTP 401 Unauthorized";
  r.body_start = "{\"error\":\n\"bad token\"}\n";
  CHECK(ssetool::failure_message(r) == "HTTP 401 Unauthorized: {\"error\": \"bad token\"}");
  r.body_start = " \r\n ";
  CHECK(ssetool::failure_message(r) == "HTTP 401 Unauthorized");
}

TEST_CASE("failure_message: a failure with the reconnections made", "[client]") {
  ClientResult r;
  r.reason = ClientResult::Reason::failed;
  r.message = "connect 127.0.0.1:9: connection refused";
  CHECK(ssetool::failure_message(r) == "connect 127.0.0.1:9: connection refused");
  r.reconnects = 3;
  CHECK(ssetool::failure_message(r) == "connect 127.0.0.1:9: connection refused (after 3 reconnection(s))");
}

TEST_CASE("body_excerpt: one clean line of at most 200 bytes, cut between characters", "[client]") {
  CHECK(ssetool::body_excerpt("") == "");
  CHECK(ssetool::body_excerpt("\t a\x01" "b\x7f \n") == "a b");
  CHECK(ssetool::body_excerpt("\xff" "x") == "\xEF\xBF\xBD" "x");  // invalid UTF-8 replaced
  std::string long_body(300, 'a');
  CHECK(ssetool::body_excerpt(long_body) == std::string(200, 'a') + "...");
  std::string accents = std::string(199, 'a') + "\xC3\xA9\xC3\xA9";  // 'é' straddles byte 200
  CHECK(ssetool::body_excerpt(accents) == std::string(199, 'a') + "...");
}

TEST_CASE("failure_message: a run that gave up says so once, without the reconnection count", "[client]") {
  ClientResult r;
  r.reason = ClientResult::Reason::failed;
  r.message = "connect 127.0.0.1:9: connection refused; gave up after 10 failed attempts in a row";
  r.reconnects = 9;
  r.gave_up = true;
  CHECK(ssetool::failure_message(r) == r.message);
}

TEST_CASE("retry_line: what failed, the delay and the next attempt's number", "[client]") {
  using namespace std::chrono_literals;
  ssetool::RetryNotice n{"connect 127.0.0.1:8080: connection refused", 3s, 2, false};
  CHECK(ssetool::retry_line(n) == "connect 127.0.0.1:8080: connection refused; retrying in 3s (attempt 2)");
  n = {"stream from 127.0.0.1:8080 ended by the server", 250ms, 7, true};
  CHECK(ssetool::retry_line(n) == "stream from 127.0.0.1:8080 ended by the server; reconnecting in 250ms (attempt 7)");
}

TEST_CASE("describe_delay: milliseconds under a second, else seconds with at most one decimal", "[client]") {
  using namespace std::chrono_literals;
  CHECK(ssetool::describe_delay(0ms) == "0ms");
  CHECK(ssetool::describe_delay(999ms) == "999ms");
  CHECK(ssetool::describe_delay(1000ms) == "1s");
  CHECK(ssetool::describe_delay(4712ms) == "4.7s");
  CHECK(ssetool::describe_delay(30000ms) == "30s");
}
