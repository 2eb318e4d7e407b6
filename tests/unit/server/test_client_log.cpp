// Unit tests for the per-client log lines: what they show, what they never show (the query, raw control bytes).
#include <catch2/catch.hpp>

#include "ssetool/server/client_log.hpp"

using namespace ssetool;

namespace {

Request stream_request(std::string path) {
  Request r;
  r.method = "GET";
  r.path = std::move(path);
  r.query_string = "access_token=s3cret";
  r.query = {{"access_token", "s3cret"}};
  r.remote_addr = "127.0.0.1";
  r.remote_port = 51234;
  return r;
}

}  // namespace

TEST_CASE("client log: connected and closed lines name the client, the path, events, duration and why", "[log]") {
  Request r = stream_request("/events");
  CHECK(client_connected_line(r, false) == "127.0.0.1:51234 GET /events: connected");
  StreamSummary s{SessionEnd::peer_gone, false, 120, 4567, std::chrono::milliseconds(12340)};
  CHECK(client_closed_line(r, s, false) == "127.0.0.1:51234 GET /events: closed after 12.3s, 120 events (client went away)");
  CHECK(client_closed_line(r, s, true) ==
        "127.0.0.1:51234 GET /events: closed after 12.3s, 120 events, 4567 bytes (client went away)");
  s.events = 1;
  CHECK_THAT(client_closed_line(r, s, false), Catch::Contains(", 1 event (client"));
}

TEST_CASE("client log: the query (and so an access_token) is never shown — control bytes are escaped", "[log]") {
  Request r = stream_request("/ev\nents\x1b[31m\\");
  std::string line = client_connected_line(r, true);
  CHECK(line == "127.0.0.1:51234 GET /ev\\x0aents\\x1b[31m\\x5c: connected");
  CHECK(line.find("s3cret") == std::string::npos);
  r.headers = {{"Last-Event-ID", "7\r\nX"}};
  CHECK(client_connected_line(r, true) ==
        "127.0.0.1:51234 GET /ev\\x0aents\\x1b[31m\\x5c: connected (resuming after Last-Event-ID 7\\x0d\\x0aX)");
  CHECK(client_connected_line(r, false).find("Last-Event-ID") == std::string::npos);
}

TEST_CASE("client log: every end has its reason", "[log]") {
  CHECK(end_reason(SessionEnd::clean, false) == "stream ended");
  CHECK(end_reason(SessionEnd::clean, true) == "server shutting down");
  CHECK(end_reason(SessionEnd::peer_gone, false) == "client went away");
  CHECK(end_reason(SessionEnd::slow, false) == "dropped: slow client");
  CHECK(end_reason(SessionEnd::aborted, true) == "cut: grace period over");
  CHECK(end_reason(SessionEnd::write_error, false) == "write error");
}
