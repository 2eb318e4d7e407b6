// Integration tests of `ssetool serve -- COMMAND`: a process per connection with the request in its
// environment, its output as the client's events, and its lifecycle — disconnects, SIGTERM and SIGKILL, exit
// events, --max-procs, spawn failures, --pty, server shutdown — and start-up errors.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

SsetoolProcess start_serve(std::vector<std::string> options, std::vector<std::string> command,
                           const SsetoolOptions& how = {}) {
  std::vector<std::string> args{"serve"};
  args.insert(args.end(), options.begin(), options.end());
  args.emplace_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return start_ssetool(args, how);
}

// SIGTERM, then the exit status (bounded): every serve test ends this way, so no child outlives it.
int stop(SsetoolProcess& server) {
  server.process->signal(SIGTERM);
  return server.process->wait(15s).value_or(-1);
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0; }  // true for a zombie too

// Waits (bounded) until `pid` is gone for good — exited and reaped, not a zombie. No event tells us that, so
// this polls.
bool wait_gone(pid_t pid, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_exists(pid)) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

// The first event's data as a pid ("sh -c 'echo $$; ...'").
pid_t first_pid(SseClient& client) {
  auto e = client.next_event();
  REQUIRE(e);
  return static_cast<pid_t>(std::stol(e->data));
}

std::string data_of(const std::optional<ssetool::ParsedEvent>& e) { return e ? e->data : "<no event>"; }

}  // namespace

TEST_CASE("serve: two concurrent clients get separate processes with their own QUERY_STRING",
          "[serve][concurrency]") {
  auto server = start_serve({}, {"sh", "-c", "echo \"$QUERY_STRING $$ $SSE_SESSION_ID\"; exec cat"});
  SseClient a(server.port, "/events?who=alice");
  SseClient b(server.port, "/events?who=bob");
  REQUIRE(a.status() == 200);
  REQUIRE(b.status() == 200);
  CHECK(a.header("Content-Type") == "text/event-stream");
  std::istringstream ea(data_of(a.next_event())), eb(data_of(b.next_event()));
  std::string qa, qb, ida, idb;
  long pa = 0, pb = 0;
  ea >> qa >> pa >> ida;
  eb >> qb >> pb >> idb;
  CHECK(qa == "who=alice");
  CHECK(qb == "who=bob");
  CHECK(pa != pb);
  CHECK(ida.size() == 32);
  CHECK(ida != idb);
  CHECK(stop(server) == 0);
}

TEST_CASE("serve: the child's environment describes the request, credentials are withheld", "[serve]") {
  std::string script =
      "for v in REQUEST_METHOD REQUEST_URI SCRIPT_NAME PATH_INFO QUERY_STRING REMOTE_ADDR SERVER_PORT "
      "HTTP_X_TEST LAST_EVENT_ID HTTP_AUTHORIZATION; do eval \"echo $v=\\${$v-unset}\"; done";
  SECTION("default: no Authorization, no access_token") {
    auto server = start_serve({"--token", "s3cret"}, {"sh", "-c", script});
    SseClient c(server.port, "/events/sub/path?x=1&access_token=s3cret",
                {{"X-Test", "yes"}, {"Last-Event-ID", "41"}, {"Authorization", "Bearer s3cret"}});
    REQUIRE(c.status() == 200);
    auto events = c.events_until(10);
    REQUIRE(events.size() == 10);
    CHECK(events[0].data == "REQUEST_METHOD=GET");
    CHECK(events[1].data == "REQUEST_URI=/events/sub/path?x=1");
    CHECK(events[2].data == "SCRIPT_NAME=/events");
    CHECK(events[3].data == "PATH_INFO=/sub/path");
    CHECK(events[4].data == "QUERY_STRING=x=1");
    CHECK(events[5].data == "REMOTE_ADDR=127.0.0.1");
    CHECK(events[6].data == "SERVER_PORT=" + std::to_string(server.port));
    CHECK(events[7].data == "HTTP_X_TEST=yes");
    CHECK(events[8].data == "LAST_EVENT_ID=41");
    CHECK(events[9].data == "HTTP_AUTHORIZATION=unset");
    CHECK(c.wait_end());
    CHECK(stop(server) == 0);
  }
  SECTION("--pass-auth") {
    auto server = start_serve({"--token", "s3cret", "--pass-auth"}, {"sh", "-c", script});
    SseClient c(server.port, "/events?x=1&access_token=s3cret", {{"Authorization", "Bearer s3cret"}});
    auto events = c.events_until(10);
    REQUIRE(events.size() == 10);
    CHECK(events[4].data == "QUERY_STRING=x=1&access_token=s3cret");
    CHECK(events[8].data == "LAST_EVENT_ID=unset");
    CHECK(events[9].data == "HTTP_AUTHORIZATION=Bearer s3cret");
    CHECK(stop(server) == 0);
  }
  SECTION("the parent's environment is passed; --env-clear keeps only PATH and the request's variables") {
    std::string print = "echo \"${SERVE_TEST_MARKER-unset} ${PATH:+path} ${QUERY_STRING}\"";
    SsetoolOptions with_marker{.env = {{"SERVE_TEST_MARKER", "inherited"}}};
    auto server = start_serve({}, {"sh", "-c", print}, with_marker);
    SseClient c(server.port, "/events?q");
    CHECK(data_of(c.next_event()) == "inherited path q");
    CHECK(stop(server) == 0);
    auto cleared = start_serve({"--env-clear"}, {"sh", "-c", print}, with_marker);
    SseClient d(cleared.port, "/events?q");
    CHECK(data_of(d.next_event()) == "unset path q");
    CHECK(stop(cleared) == 0);
  }
}

TEST_CASE("serve: the child inherits no descriptor beyond stdin, stdout and stderr", "[serve]") {
  auto server = start_serve({}, {"sh", "-c", "ls /proc/$$/fd"});  // the shell's own, one per line
  SseClient c(server.port, "/events");
  REQUIRE(c.wait_end());
  std::vector<std::string> fds;
  while (auto e = c.next_event(0ms)) fds.push_back(e->data);
  CHECK(fds == std::vector<std::string>{"0", "1", "2"});
  CHECK(stop(server) == 0);
}

TEST_CASE("serve: a client that disconnects has its child stopped and reaped within the grace", "[serve]") {
  auto server = start_serve({"--kill-grace", "5s"}, {"sh", "-c", "echo $$; exec sleep 60"});
  pid_t pid;
  {
    SseClient c(server.port, "/events");
    pid = first_pid(c);
    REQUIRE(process_exists(pid));
  }  // disconnects
  auto disconnected = std::chrono::steady_clock::now();
  CHECK(wait_gone(pid, 4s));  // SIGTERM did it, well before the 5 s grace; and no zombie is left
  CHECK(std::chrono::steady_clock::now() - disconnected < 4s);
  CHECK(stop(server) == 0);
}

TEST_CASE("serve: a child that ignores SIGTERM is killed after --kill-grace", "[serve]") {
  auto server = start_serve({"--kill-grace", "400ms"}, {"sh", "-c", "trap '' TERM; echo $$; exec sleep 60"});
  pid_t pid;
  {
    SseClient c(server.port, "/events");
    pid = first_pid(c);
  }
  auto disconnected = std::chrono::steady_clock::now();
  REQUIRE(wait_gone(pid));
  CHECK(std::chrono::steady_clock::now() - disconnected >= 350ms);  // SIGTERM was ignored; SIGKILL came later
  CHECK(stop(server) == 0);
}

TEST_CASE("serve: when the child exits, its output, the exit event, then a clean end", "[serve]") {
  SECTION("exit status") {
    auto server = start_serve({"--exit-event", "done"}, {"sh", "-c", "echo one; printf two; exit 3"});
    SseClient c(server.port, "/events");
    auto events = c.events_until(3);
    REQUIRE(events.size() == 3);
    CHECK(events[0].data == "one");
    CHECK(events[1].data == "two");
    CHECK(events[2].type == "done");
    CHECK(events[2].data == "3");
    CHECK(c.wait_end());
    CHECK_FALSE(c.ended_abruptly());
    CHECK(stop(server) == 0);
  }
  SECTION("killed by a signal") {
    auto server = start_serve({"--exit-event", "done"}, {"sh", "-c", "kill -USR1 $$"});
    SseClient c(server.port, "/events");
    auto e = c.next_event();
    REQUIRE(e);
    CHECK(e->type == "done");
    CHECK(e->data == "SIGUSR1");
    CHECK(c.wait_end());
    CHECK(stop(server) == 0);
  }
  SECTION("without --exit-event the stream just ends") {
    auto server = start_serve({}, {"echo", "only"});
    SseClient c(server.port, "/events");
    CHECK(data_of(c.next_event()) == "only");
    CHECK(c.wait_end());
    CHECK(c.body().find("event:") == std::string::npos);
    CHECK(stop(server) == 0);
  }
}

TEST_CASE("serve: a process the child left holding its stdout is killed after --kill-grace, the stream ends",
          "[serve]") {
  auto server = start_serve({"--exit-event", "done", "--kill-grace", "300ms"}, {"sh", "-c", "sleep 60 & echo $!"});
  SseClient c(server.port, "/events");
  pid_t left_behind = first_pid(c);
  auto e = c.next_event();
  REQUIRE(e);
  CHECK(e->type == "done");
  CHECK(e->data == "0");
  CHECK(c.wait_end());
  CHECK(wait_dead(left_behind));
  CHECK(stop(server) == 0);
}

TEST_CASE("serve: output formats, -e, and stderr as log lines or events", "[serve]") {
  SECTION("ndjson and -e") {
    auto server = start_serve({"-f", "ndjson", "-e", "tick"},
                              {"sh", "-c", "echo '{\"data\":\"a\",\"id\":\"7\"}'; echo '{\"event\":\"x\",\"data\":1}'"});
    SseClient c(server.port, "/events");
    auto events = c.events_until(2);
    REQUIRE(events.size() == 2);
    CHECK(events[0].type == "tick");
    CHECK(events[0].data == "a");
    CHECK(events[0].last_event_id == "7");
    CHECK(events[1].type == "x");
    CHECK(events[1].data == "1");
    CHECK(stop(server) == 0);
  }
  SECTION("stderr goes to ssetool's stderr, prefixed with the session id") {
    auto server = start_serve({}, {"sh", "-c", "echo \"$SSE_SESSION_ID\"; echo oops >&2"});
    SseClient c(server.port, "/events");
    std::string id = data_of(c.next_event());
    CHECK(c.wait_end());
    CHECK(server.process->wait_for_stderr("ssetool: serve: [" + id + "] oops\n"));
    CHECK(c.body().find("oops") == std::string::npos);
    CHECK(stop(server) == 0);
  }
  SECTION("--stderr-events") {
    auto server = start_serve({"--stderr-events"}, {"sh", "-c", "echo oops >&2; echo out"});
    SseClient c(server.port, "/events");
    auto events = c.events_until(2);
    REQUIRE(events.size() == 2);
    std::set<std::string> seen;  // two pipes: their relative order is not defined
    for (const auto& e : events) seen.insert(e.type + ":" + e.data);
    CHECK(seen == std::set<std::string>{"stderr:oops", "message:out"});
    CHECK(stop(server) == 0);
  }
}

TEST_CASE("serve: past --max-procs a client gets 503 with Retry-After, until a slot is free", "[serve]") {
  auto server = start_serve({"--max-procs", "1"}, {"sh", "-c", "echo $$; exec cat"});
  pid_t pid;
  {
    SseClient first(server.port, "/events");
    pid = first_pid(first);
    auto refused = http_request(server.port, "GET", "/events");
    CHECK(refused.status == 503);
    CHECK(refused.header("Retry-After") == "1");
    CHECK(refused.body.find("--max-procs 1") != std::string::npos);
  }
  REQUIRE(wait_gone(pid));
  // The slot is given back once the child is reaped, right after: a bounded retry covers the gap.
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    SseClient again(server.port, "/events");
    status = again.status();
    if (status == 200) break;
    std::this_thread::sleep_for(10ms);
  }
  CHECK(status == 200);
  CHECK(stop(server) == 0);
}

// Issue 12: 200 clients over --max-clients 50 used to start 200 commands, the refused ones killed at once.
TEST_CASE("serve: a client refused by --max-clients never starts a command", "[serve]") {
  constexpr int kLimit = 3;
  constexpr int kRefused = 12;
  TempDir dir;
  std::string started = dir.path() + "/started";
  auto server = start_serve({"-v", "--max-clients", std::to_string(kLimit), "--max-procs", "50"},
                            {"sh", "-c", "echo $$ >> " + started + "; echo $$; exec cat"});
  std::vector<std::unique_ptr<SseClient>> admitted;
  for (int i = 0; i < kLimit; ++i) {
    admitted.push_back(std::make_unique<SseClient>(server.port, "/events"));
    first_pid(*admitted.back());  // its command has run past the append
  }
  for (int i = 0; i < kRefused; ++i) {
    auto refused = http_request(server.port, "GET", "/events");
    CHECK(refused.status == 503);
    CHECK(refused.header("Retry-After") == "1");
    CHECK(refused.body.find("too many clients") != std::string::npos);
  }
  admitted.clear();
  CHECK(stop(server) == 0);
  // Every child the server started is traced ("pid N started for ..."), and every one that ran appended its pid.
  std::string log = server.process->stderr_text();
  std::size_t spawned = 0;
  for (std::size_t at = log.find(" started for "); at != std::string::npos; at = log.find(" started for ", at + 1))
    ++spawned;
  CHECK(spawned == kLimit);
  std::ifstream file(started);
  std::size_t lines = 0;
  for (std::string line; std::getline(file, line);) ++lines;
  CHECK(lines == kLimit);
}

TEST_CASE("serve: a command that can no longer be started answers 503 and is logged", "[serve]") {
  TempDir dir;
  std::string program = dir.write("prog", "#!/bin/sh\necho hi\n");
  REQUIRE(::chmod(program.c_str(), 0755) == 0);
  auto server = start_serve({}, {program});
  {
    SseClient ok(server.port, "/events");
    CHECK(data_of(ok.next_event()) == "hi");
  }
  REQUIRE(::unlink(program.c_str()) == 0);
  auto r = http_request(server.port, "GET", "/events");
  CHECK(r.status == 503);
  CHECK(r.header("Retry-After") == "1");
  CHECK(server.process->wait_for_stderr("cannot run '" + program + "'"));
  CHECK(stop(server) == 0);
}

TEST_CASE("serve: --pty makes a block-buffering program stream line by line", "[serve]") {
  std::string script = std::string(SSETOOL_TEST_DATA) + "/serve/buffered.sh";
  TempDir dir;
  std::string flag = dir.file("go");
  SECTION("on a pipe the first line waits for the program's end (the control)") {
    auto server = start_serve({}, {script, flag});
    SseClient c(server.port, "/events");
    CHECK_FALSE(c.next_event(300ms));  // sed holds "line one" in its buffer
    dir.write("go", "");
    auto events = c.events_until(2);
    REQUIRE(events.size() == 2);
    CHECK(events[0].data == "line one");
    CHECK(stop(server) == 0);
  }
  SECTION("on a pty each line arrives as it is written") {
    auto server = start_serve({"--pty"}, {script, flag});
    SseClient c(server.port, "/events");
    CHECK(data_of(c.next_event()) == "line one");  // before the program may go on
    dir.write("go", "");
    CHECK(data_of(c.next_event()) == "line two");
    CHECK(c.wait_end());
    CHECK(c.body().find('\r') == std::string::npos);
    CHECK(stop(server) == 0);
  }
}

TEST_CASE("serve: SIGTERM lets every child finish: its last output and exit event, a clean end, exit 0",
          "[serve]") {
  auto server = start_serve({"--exit-event", "done", "--kill-grace", "5s"},
                            {"sh", "-c", "trap 'echo bye; exit 0' TERM; echo started; while :; do sleep 0.05; done"});
  SseClient a(server.port, "/events");
  SseClient b(server.port, "/events");
  CHECK(data_of(a.next_event()) == "started");
  CHECK(data_of(b.next_event()) == "started");
  server.process->signal(SIGTERM);
  for (SseClient* c : {&a, &b}) {
    auto events = c->events_until(2);
    REQUIRE(events.size() == 2);
    CHECK(events[0].data == "bye");
    CHECK(events[1].type == "done");
    CHECK(events[1].data == "0");
    CHECK(c->wait_end());
  }
  CHECK(server.process->wait(15s) == 0);
}

TEST_CASE("serve: a slow client slows its own child instead of being dropped", "[serve]") {
  auto server = start_serve({"--client-buffer", "256KiB"}, {"sh", "-c", "echo $$; exec yes 0123456789abcdef"});
  SseClient c(server.port, "/events");
  pid_t pid = first_pid(c);
  // The client reads nothing more: socket buffers fill, then the session's queue, then the child's pipe.
  std::string wchan;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  auto blocked_on_pipe = [&] { return wchan.ends_with("pipe_write"); };  // "anon_pipe_write" on newer kernels
  while (std::chrono::steady_clock::now() < deadline && !blocked_on_pipe()) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/wchan");
    std::getline(f, wchan);
    std::this_thread::sleep_for(10ms);  // polling /proc: a blocked write gives no event to wait on
  }
  CHECK(blocked_on_pipe());
  // Still connected: reading resumes the flow.
  auto events = c.events_until(20000, 20s);
  CHECK(events.size() == 20000);
  CHECK(events.back().data == "0123456789abcdef");
  CHECK(stop(server) == 0);
}

TEST_CASE("serve: start-up errors are usage errors (exit 2)", "[serve]") {
  auto run = [](std::vector<std::string> args) {
    args.insert(args.begin(), ssetool_binary());
    Process p(args);
    auto status = p.wait();
    return std::make_pair(status.value_or(-1), p.stderr_text());
  };
  auto [status, err] = run({"serve", "--listen", "127.0.0.1:0", "--", "no-such-command-xyz"});
  CHECK(status == 2);
  CHECK(err == "ssetool: serve: no-such-command-xyz: command not found in PATH\n");
  std::tie(status, err) = run({"serve", "--listen", "127.0.0.1:0", "--", "/etc/passwd"});
  CHECK(status == 2);
  CHECK(err == "ssetool: serve: /etc/passwd: not an executable file\n");
  std::tie(status, err) = run({"serve", "--listen", "127.0.0.1:0"});
  CHECK(status == 2);
  CHECK(err.find("no command given") != std::string::npos);
  std::tie(status, err) = run({"serve", "--kill-grace", "soon", "--", "cat"});
  CHECK(status == 2);
  CHECK(err.find("--kill-grace") != std::string::npos);
  std::tie(status, err) = run({"serve", "--max-body", "lots", "--", "cat"});
  CHECK(status == 2);
  CHECK(err.find("--max-body") != std::string::npos);
}
