// Integration tests of what `ssetool pipe` does when its input ends (--on-eof auto, the default, close and stay),
// and of its exit status in the command form after a stop signal (ssetool-pipe(1), EXIT STATUS).
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <thread>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

// `ssetool pipe ARGS < FILE` (stdin a regular file) on a free port, through sh for the redirection; the port once
// it is accepting. The port file has no event to wait on: polled, as start_ssetool does.
int start_pipe_from_file(Process*& out, std::unique_ptr<Process>& holder, const TempDir& dir, const std::string& file,
                         const std::string& args) {
  holder = std::make_unique<Process>(std::vector<std::string>{
      "sh", "-c", "exec \"$0\" pipe " + args + " --listen 127.0.0.1:0 --port-file \"$1\" < \"$2\"", ssetool_binary(),
      dir.file("port"), file});
  out = holder.get();
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline && !holder->exit_status()) {
    std::string text = dir.read("port");
    if (!text.empty() && text.back() == '\n') return std::stoi(text);
    std::this_thread::sleep_for(10ms);
  }
  FAIL("pipe did not write its port; stderr: " << holder->stderr_text());
  return 0;
}

}  // namespace

TEST_CASE("pipe: input that ends before any client connected is still served, and pipe says so", "[pipe]") {
  auto server = start_pipe();
  server.process->write_stdin("a\nb\n");
  server.process->close_stdin();
  REQUIRE(server.process->wait_for_stderr(
      "ssetool: pipe: input ended after 2 event(s) before any client connected; still serving them "
      "(Ctrl-C to stop, --on-eof close to exit)"));
  // A client that comes later gets every event kept, from the start, and the stream stays open.
  SseClient client(server.port, "/events");
  auto events = client.events_until(2);
  REQUIRE(events.size() == 2);
  CHECK(events[0].data == "a");
  CHECK(events[0].last_event_id == "1");
  CHECK(events[1].data == "b");
  CHECK_FALSE(server.process->exit_status().has_value());
  // Resuming still means "after this id": nothing is sent twice.
  SseClient resumed(server.port, "/events", {{"Last-Event-ID", "1"}});
  auto rest = resumed.events_until(1);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].data == "b");
  server.process->signal(SIGTERM);
  CHECK(server.process->wait() == 0);
}

TEST_CASE("pipe: stdin a regular file is served until stopped, even with a client connected", "[pipe]") {
  TempDir dir;
  std::ofstream(dir.file("events.txt")) << "one\ntwo\nthree\n";
  Process* p = nullptr;
  std::unique_ptr<Process> holder;
  int port = start_pipe_from_file(p, holder, dir, dir.file("events.txt"), "");
  REQUIRE(p->wait_for_stderr("input ended after 3 event(s) (a file); still serving them"));
  SseClient client(port, "/events");
  auto events = client.events_until(3);
  REQUIRE(events.size() == 3);
  CHECK(events[2].data == "three");
  CHECK_FALSE(p->exit_status().has_value());
  p->signal(SIGINT);
  CHECK(p->wait() == 0);

  // -q: the same, without the line.
  TempDir quiet_dir;
  port = start_pipe_from_file(p, holder, quiet_dir, dir.file("events.txt"), "-q");
  SseClient quiet_client(port, "/events");
  REQUIRE(quiet_client.events_until(3).size() == 3);
  p->signal(SIGTERM);
  CHECK(p->wait() == 0);
  CHECK(p->stderr_text().empty());
}

TEST_CASE("pipe: --on-eof close exits at end of input without clients", "[pipe]") {
  auto server = start_pipe({"--on-eof", "close"});
  server.process->write_stdin("x\n");
  server.process->close_stdin();
  CHECK(server.process->wait() == 0);
  CHECK(server.process->stderr_text().find("still serving") == std::string::npos);

}

TEST_CASE("pipe: --on-eof with another value is a usage error", "[pipe]") {
  auto p = start_ssetool({"pipe", "--on-eof", "later"}, {.listen = false});
  CHECK(p.process->wait() == 2);
  CHECK(p.process->stderr_text().find("--on-eof 'later': expected auto, close or stay") != std::string::npos);
}

TEST_CASE("pipe -- cmd: a stop signal ends the command and pipe exits 0", "[pipe]") {
  for (int sig : {SIGTERM, SIGINT}) {
    auto server = start_ssetool({"pipe", "--", "sleep", "30"});
    server.process->signal(sig);
    CHECK(server.process->wait() == 0);
    CHECK(server.process->stderr_text().find("ended with") == std::string::npos);
  }
  // A command that answers our SIGTERM by exiting with the shell's code for it (143) was stopped, not failed.
  auto server = start_ssetool({"pipe", "--", "sh", "-c", "trap 'exit 143' TERM; echo ready; while :; do sleep 0.05; done"});
  SseClient client(server.port, "/events");
  server.process->signal(SIGTERM);
  CHECK(server.process->wait() == 0);
}

TEST_CASE("pipe -- cmd: a command that failed on its own keeps its status, also after a stop signal", "[pipe]") {
  auto server = start_ssetool({"pipe", "--", "sh", "-c", "echo x; exit 3"});
  REQUIRE(server.process->wait_for_stderr("before any client connected; still serving them"));
  server.process->signal(SIGTERM);
  CHECK(server.process->wait() == 3);
  CHECK(server.process->stderr_text().find("ssetool: pipe: 'sh' ended with exit status 3") != std::string::npos);

  auto closing = start_ssetool({"pipe", "--on-eof", "close", "--", "sh", "-c", "exit 4"});
  CHECK(closing.process->wait() == 4);
}
