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
  r.message = "connection failed: cannot connect";
  CHECK(ssetool::failure_message(r) == "connection failed: cannot connect");
  r.reconnects = 3;
  CHECK(ssetool::failure_message(r) == "connection failed: cannot connect (after 3 reconnection(s))");
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
