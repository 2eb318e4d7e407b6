// Integration tests of issue 13, "right data": a form body is body (replay's journal and route matching), NDJSON
// keeps its key order and says where a line is malformed, the id rule (input ids mixed with automatic ones never
// repeat or go back, and a resume never skips), and a request without a body is answered at once.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "ssetool/broadcast/broadcast_server.hpp"
#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

std::vector<Json> journal_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<Json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(Json::parse(line));
  std::sort(lines.begin(), lines.end(), [](const Json& a, const Json& b) { return a["request"] < b["request"]; });
  return lines;
}

const Headers kForm = {{"Content-Type", "application/x-www-form-urlencoded"}};

// A pipe that has published `input` (`count` events, as its first client received them) and keeps serving its
// history.
struct Published {
  SsetoolProcess server;
  std::vector<ssetool::ParsedEvent> events;
};

Published pipe_with(const std::vector<std::string>& flags, const std::string& input, std::size_t count) {
  std::vector<std::string> args = flags;
  args.insert(args.end(), {"--on-eof", "stay"});
  Published p{start_pipe(args), {}};
  SseClient first(p.server.port, "/events");
  REQUIRE(await_metric(p.server.port, "clients_connected", 1));
  p.server.process->write_stdin(input);
  p.server.process->close_stdin();
  p.events = first.events_until(count);
  REQUIRE(p.events.size() == count);
  return p;
}

// Resuming from each id sent gives exactly the events after it, in order.
void check_every_resume(int port, const std::vector<ssetool::ParsedEvent>& all) {
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::string& id = all[i].last_event_id;
    INFO("resume from id " << id);
    SseClient resumed(port, "/events", {{"Last-Event-ID", id}});
    std::size_t after = all.size() - i - 1;
    auto events = resumed.events_until(after, after == 0 ? 300ms : kDefaultTimeout);
    std::vector<std::string> expected;
    for (std::size_t j = i + 1; j < all.size(); ++j) expected.push_back(all[j].data);
    CHECK(data_of(events) == expected);
    CHECK_FALSE(resumed.next_event(200ms));  // nothing more: neither a gap nor a repeat
  }
}

}  // namespace

TEST_CASE("replay: a form body is body, never query, in the journal and in route matching", "[replay][data]") {
  TempDir dir;
  Json routes = Json::array({
      {{"name", "by-query"}, {"match", {{"query", {{"model", "x"}}}}}, {"status", 418}, {"body", "query"}},
      {{"name", "by-body"}, {"match", {{"body_contains", "model=x"}}}, {"status", 200}, {"body", "body"}},
  });
  std::string journal = dir.file("journal.ndjson");
  auto server = start_replay({"--routes", dir.write("routes.json", routes.dump()), "--journal", journal,
                              "--exit-after", "3"});

  auto form = http_request(server.port, "POST", "/api?trace=1", kForm, "model=x&stream=true");
  CHECK(form.status == 200);
  CHECK(form.body == "body");
  auto query = http_request(server.port, "POST", "/api?model=x", kForm, "a=1");
  CHECK(query.status == 418);  // the URL's query still matches
  // cpp-httplib refused form bodies over 8 KiB with 413, whatever --max-body said.
  std::string big = "model=x&pad=" + std::string(20000, 'p');
  CHECK(http_request(server.port, "POST", "/api", kForm, big).status == 200);
  REQUIRE(server.process->wait() == 0);

  auto lines = journal_lines(journal);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["query"] == Json{{"trace", "1"}});
  CHECK(lines[0]["body"] == "model=x&stream=true");
  CHECK(lines[0]["headers"]["content-type"] == "application/x-www-form-urlencoded");
  CHECK(lines[0]["route_name"] == "by-body");
  CHECK(lines[1]["query"] == Json{{"model", "x"}});
  CHECK(lines[1]["body"] == "a=1");
  CHECK(lines[2]["query"] == Json::object());
  CHECK(lines[2]["body"].get<std::string>().size() == big.size());
}

TEST_CASE("serve: QUERY_STRING is the URL's, and a form body POSTed to the stdin endpoint reaches stdin as sent",
          "[serve][data]") {
  auto server = start_ssetool({"serve", "--stdin-endpoint", "--", "sh", "-c", "echo \"q=$QUERY_STRING\"; exec cat"});
  SseClient client(server.port, "/events?a=1&b=x+y");
  auto endpoint = client.next_event();
  REQUIRE(endpoint);
  REQUIRE(endpoint->type == "endpoint");
  std::string form = "model=x&pad=" + std::string(20000, 'p');  // over httplib's 8 KiB form limit
  auto posted = http_request(server.port, "POST", endpoint->data + "?ignored=1", kForm, form);
  CHECK(posted.status == 202);
  auto events = client.events_until(2);
  REQUIRE(events.size() == 2);
  CHECK(events[0].data == "q=a=1&b=x+y");
  CHECK(events[1].data == form);
  server.process->signal(SIGTERM);
  CHECK(server.process->wait(15s) == 0);
}

TEST_CASE("replay: a route's JSON body is sent with its keys in the order written", "[replay][data]") {
  TempDir dir;
  std::string routes = R"([{"match": {"path": "/json"}, "body": {"zeta": 1, "alpha": {"y": 2, "b": 3}}}])";
  auto server = start_replay({"--routes", dir.write("routes.json", routes), "--exit-after", "1"});
  auto r = http_request(server.port, "GET", "/json");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"zeta":1,"alpha":{"y":2,"b":3}})");
  CHECK(server.process->wait() == 0);
}

TEST_CASE("pipe: ndjson objects keep their key order, and a malformed line says where and why", "[pipe][data]") {
  auto server = start_pipe({"-f", "ndjson"});
  SseClient client(server.port, "/events");
  REQUIRE(await_metric(server.port, "clients_connected", 1));
  server.process->write_stdin(
      "{\"event\":\"price\",\"data\":{\"sym\":\"ABC\",\"px\":12.5}}\n"
      "{\"sym\":\"ABC\" \"px\":12.5}\n"
      "{\"sym\":\"ABC\",\"px\":12.5}\n"
      "[1,2\n");
  server.process->close_stdin();
  auto events = client.events_until(2);
  CHECK(data_of(events) == std::vector<std::string>{R"({"sym":"ABC","px":12.5})", R"({"sym":"ABC","px":12.5})"});
  CHECK(server.process->wait() == 0);
  std::string err = server.process->stderr_text();
  CHECK(err.find("pipe: stdin:2:17: invalid JSON: expected ',' or '}' (skipped)\n") != std::string::npos);
  CHECK(err.find("pipe: stdin:4:5: invalid JSON: unexpected end of input; expected ',' or ']' (skipped)\n") !=
        std::string::npos);
}

TEST_CASE("pipe: ndjson ids mixed with automatic ones never repeat or go back, and every resume is exact",
          "[pipe][data][ids]") {
  std::string input =
      "{\"data\":\"a\"}\n"
      "{\"data\":\"b\",\"id\":5}\n"
      "{\"data\":\"c\"}\n"
      "{\"data\":\"d\",\"id\":3}\n"
      "{\"data\":\"e\",\"id\":\"x\"}\n"
      "{\"data\":\"f\",\"id\":\"x\"}\n"
      "{\"data\":\"g\",\"id\":\"5\"}\n"
      "{\"data\":\"h\"}\n";
  auto [server, events] = pipe_with({"-f", "ndjson"}, input, 8);
  CHECK(ids_of(events) == std::vector<std::string>{"1", "5", "6", "7", "x", "8", "9", "10"});
  CHECK(server.process->wait_for_stderr(
      "input id '3' is not greater than 6, the largest id sent so far: sent as id 7"));
  CHECK(server.process->stderr_text().find("input id 'x'") == std::string::npos);  // reported once only
  check_every_resume(server.port, events);

  SseClient unknown(server.port, "/events", {{"Last-Event-ID", "3"}});  // replaced, so never sent: a gap
  auto gap = unknown.next_event();
  REQUIRE(gap);
  CHECK(gap->type == "gap");
}

TEST_CASE("pipe: sse input ids follow the same rule, and --id none drops an id that would go back",
          "[pipe][data][ids]") {
  auto [server, events] =
      pipe_with({"-f", "sse"}, "id: 10\ndata: a\n\ndata: b\n\nid: 10\ndata: c\n\nid: n\ndata: d\n\n", 4);
  CHECK(ids_of(events) == std::vector<std::string>{"10", "11", "12", "n"});
  check_every_resume(server.port, events);

  auto none = pipe_with({"-f", "ndjson", "--id", "none"},
                        "{\"data\":\"a\",\"id\":5}\n{\"data\":\"b\"}\n{\"data\":\"c\",\"id\":4}\n", 3);
  SseClient resumed(none.server.port, "/events", {{"Last-Event-ID", "5"}});
  auto after = resumed.events_until(2);
  CHECK(data_of(after) == std::vector<std::string>{"b", "c"});
  CHECK(ids_of(after) == std::vector<std::string>{"", ""});  // sent without ids: a browser's last id stays 5
  CHECK(none.server.process->wait_for_stderr("input id '4' is not greater than 5, the largest id sent so far: sent "
                                      "without an id"));
}

// Issue 13: "a POST with no body waits 5 s for a silent 400". The loop's framing answers at once.
TEST_CASE("a POST without a body is answered at once by every server", "[server][data]") {
  const std::string post = "POST /events HTTP/1.1\r\nHost: x\r\n\r\n";
  SECTION("replay streams the recording") {
    auto server = start_replay({replay_sample("openai-chat.sse")});
    RawConnection c(server.port);
    REQUIRE(c.send_all(post));
    REQUIRE(c.read_until("\r\n\r\n", 2s));
    CHECK(c.received().starts_with("HTTP/1.1 200 OK\r\n"));
  }
  SECTION("pipe answers 404 with a reason off its stream path") {
    auto server = start_pipe();
    RawConnection c(server.port);
    REQUIRE(c.send_all("POST / HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(c.read_until("not found: the event stream is at /events\n", 2s));
    CHECK(c.received().starts_with("HTTP/1.1 404 Not Found\r\n"));
  }
  SECTION("serve answers 405 with a reason") {
    auto server = start_ssetool({"serve", "--", "cat"});
    RawConnection c(server.port);
    REQUIRE(c.send_all(post));
    REQUIRE(c.read_until("takes GET\n", 2s));
    CHECK(c.received().starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
  }
}

TEST_CASE("a request whose body never arrives gets 408 saying what was missing, an idle connection just closes",
          "[server][data]") {
  ssetool::BroadcastOptions options;
  options.server.listen = ssetool::ListenAddress::parse("127.0.0.1:0");
  options.server.verbosity = ssetool::Verbosity::quiet;
  options.server.request_timeout = 300ms;
  options.at_end = ssetool::AtEndOfInput::stay;
  int input[2];
  REQUIRE(::pipe2(input, O_CLOEXEC) == 0);
  options.input_fd = input[0];
  ssetool::BroadcastServer server(std::move(options));
  server.start();
  std::thread runner([&] { server.run(); });

  RawConnection declared(server.port());
  REQUIRE(declared.send_all("POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab"));
  RawConnection chunked(server.port());
  REQUIRE(chunked.send_all("POST /events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"));
  RawConnection head(server.port());
  REQUIRE(head.send_all("GET /events HTTP/1.1\r\nHost: x\r\n"));
  RawConnection idle(server.port());

  CHECK(declared.read_to_end(5s));
  CHECK(declared.received().starts_with("HTTP/1.1 408 Request Timeout\r\n"));
  CHECK(declared.received().ends_with(
      "\r\n\r\nrequest timeout: 2 of the 5 body bytes given by Content-Length arrived within 300ms\n"));
  CHECK(chunked.read_to_end(5s));
  CHECK(chunked.received().ends_with(
      "request timeout: the chunked body did not end within 300ms (3 bytes received)\n"));
  CHECK(head.read_to_end(5s));
  CHECK(head.received().ends_with("request timeout: the request head was not complete within 300ms\n"));
  CHECK(idle.read_to_end(5s));
  CHECK(idle.received().empty());

  server.stop();
  runner.join();
  ::close(input[1]);
  ::close(input[0]);
}

TEST_CASE("a request the server cannot frame is refused with a reason in the body", "[server][data]") {
  auto server = start_pipe();
  RawConnection c(server.port);
  REQUIRE(c.send_all("GET /events HTTP/1.1\r\nAccept: */*\r\n\r\n"));
  REQUIRE(c.read_to_end(5s));
  CHECK(c.received().starts_with("HTTP/1.1 400 Bad Request\r\n"));
  CHECK(c.received().ends_with("\r\n\r\nno Host header on HTTP/1.1, or more than one\n"));
}
