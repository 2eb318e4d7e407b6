// Integration tests of the server subcommands' command line (issue 13): a command given without `--`, counts and
// sizes checked (exit 2, one short line naming the flag), --listen written as a URL, `ssetool help [CMD]` and
// every subcommand's --version, flags that need another flag, and the per-client log line on stderr.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <regex>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;

namespace {

struct Outcome {
  std::optional<int> status;
  std::string out, err;
};

// Runs `ssetool ARGS...` to its end (bounded): status, stdout, stderr.
Outcome run_ssetool(std::vector<std::string> args) {
  args.insert(args.begin(), ssetool_binary());
  Process process(args);
  process.close_stdin();
  auto status = process.wait();
  return {status, process.stdout_text(), process.stderr_text()};
}

// A usage error: exit 2 and exactly this one line on stderr.
void check_usage_error(const std::vector<std::string>& args, const std::string& line) {
  Outcome o = run_ssetool(args);
  INFO(o.err);
  CHECK(o.status == 2);
  CHECK(o.err == line + "\n");
}

// The port in "ssetool: serving http://HOST:PORT/ ..." once the server says it.
int announced_port(Process& process) {
  static const std::regex serving("serving https?://[^ ]*:([0-9]+)/");
  REQUIRE(process.wait_for_stderr([](const std::string& err) { return std::regex_search(err, serving); }));
  std::smatch m;
  std::string err = process.stderr_text();
  REQUIRE(std::regex_search(err, m, serving));
  return std::stoi(m[1].str());
}

int stop(SsetoolProcess& server) {
  server.process->signal(SIGTERM);
  return server.process->wait().value_or(-1);
}

const std::regex kConnected("127\\.0\\.0\\.1:[0-9]+ GET /events: connected\n");

}  // namespace

TEST_CASE("cli: a command given without -- is a usage error suggesting the command line with --", "[cli]") {
  check_usage_error({"pipe", "tail", "-f", "x"},
                    "ssetool: pipe: a command goes after '--'; did you mean: ssetool pipe -- tail -f x?");
  check_usage_error({"serve", "python3", "-c", "print(1)"},
                    "ssetool: serve: a command goes after '--'; did you mean: ssetool serve -- python3 -c 'print(1)'?");
  // Options before the command stay before `--`, values included; flags take no value.
  check_usage_error({"pipe", "-f", "ndjson", "--listen", "127.0.0.1:0", "-v", "--heartbeat=0", "cat", "it's"},
                    "ssetool: pipe: a command goes after '--'; did you mean: ssetool pipe -f ndjson --listen "
                    "127.0.0.1:0 -v --heartbeat=0 -- cat 'it'\\''s'?");
  check_usage_error({"serve", "-vfndjson", "sh", "-c", "echo $HOME"},
                    "ssetool: serve: a command goes after '--'; did you mean: ssetool serve -vfndjson -- sh -c 'echo "
                    "$HOME'?");
}

TEST_CASE("cli: pipe given a file names stdin — replay given two recordings says how to serve more", "[cli]") {
  TempDir dir;
  std::string file = dir.file("events.ndjson");
  std::ofstream(file) << "{\"data\":\"x\"}\n";
  check_usage_error({"pipe", "-f", "ndjson", file},
                    "ssetool: pipe: pipe reads stdin, not a file argument; did you mean: ssetool pipe -f ndjson < " +
                        file + "?");
  check_usage_error({"replay", "--speed", "0", "python3", "x.py"},
                    "ssetool: replay: one recording FILE at most ('python3' and 'x.py' given); serve more with "
                    "-r 'PATH=FILE' or --routes FILE");
}

TEST_CASE("cli: counts, sizes and durations are checked: one short line naming the flag, exit 2", "[cli]") {
  std::string tape = replay_sample("ticks.tape");
  struct Case {
    std::vector<std::string> args;
    std::string line;
  };
  for (const Case& c : std::vector<Case>{
           {{"pipe", "--history", "-5"}, "ssetool: pipe: --history -5: must be a whole number >= 0"},
           {{"pipe", "--history", "1e3"}, "ssetool: pipe: --history 1e3: must be a whole number >= 0"},
           {{"pipe", "--history", "99999999999999999999"}, "ssetool: pipe: --history 99999999999999999999: too large"},
           {{"pipe", "--replay-last", "-1"}, "ssetool: pipe: --replay-last -1: must be a whole number >= 0"},
           {{"pipe", "--history", "10", "--replay-last", "20"},
            "ssetool: pipe: --replay-last 20: more than the --history of 10"},
           {{"pipe", "--max-clients", "-1"}, "ssetool: pipe: --max-clients -1: must be a whole number >= 1"},
           {{"pipe", "--max-clients", "0"}, "ssetool: pipe: --max-clients 0: must be at least 1"},
           {{"pipe", "--client-buffer", "0"}, "ssetool: pipe: --client-buffer 0: must be at least 1 byte"},
           {{"pipe", "--max-line", "0"}, "ssetool: pipe: --max-line 0: must be at least 1 byte"},
           {{"pipe", "--grace", "-1s"}, "ssetool: pipe: --grace: invalid duration '-1s'"},
           {{"serve", "--max-procs", "-2", "--", "true"}, "ssetool: serve: --max-procs -2: must be a whole number >= 1"},
           {{"serve", "--max-procs", "0", "--", "true"}, "ssetool: serve: --max-procs 0: must be at least 1"},
           {{"serve", "--max-clients", "-3", "--", "true"}, "ssetool: serve: --max-clients -3: must be a whole number >= 1"},
           {{"replay", tape, "--drop-after", "-1"}, "ssetool: replay: --drop-after -1: must be a whole number >= 0"},
           {{"replay", tape, "--stall-after", "x"}, "ssetool: replay: --stall-after x: must be a whole number >= 0"},
           {{"replay", tape, "--fail-first", "-1"}, "ssetool: replay: --fail-first -1: must be a whole number >= 0"},
           {{"replay", tape, "--seed", "-3"}, "ssetool: replay: --seed -3: must be a whole number >= 0"},
           {{"replay", tape, "--exit-after", "-1"}, "ssetool: replay: --exit-after -1: must be a whole number >= 1"},
           {{"replay", tape, "--timeout", "0"}, "ssetool: replay: --timeout 0: must be more than 0"},
           {{"serve", "--mcp", "--max-sessions", "-1", "--", "true"},
            "ssetool: serve: --max-sessions -1: must be a whole number >= 1"},
           {{"serve", "--mcp", "--max-sessions", "0", "--", "true"}, "ssetool: serve: --max-sessions 0: must be at least 1"},
           {{"serve", "--mcp", "--session-timeout", "0", "--", "true"},
            "ssetool: serve: --session-timeout 0: must be more than 0"},
       }) {
    std::vector<std::string> args = c.args;
    // A port of 0 so that a check that failed to stop the server does not fight over a fixed port.
    args.insert(args.begin() + 1, {"--listen", "127.0.0.1:0"});
    INFO(c.line);
    check_usage_error(args, c.line);
  }
}

TEST_CASE("cli: --listen takes a URL as users type it — a path or https without TLS is a clear error", "[cli]") {
  SECTION("http://HOST:PORT/ serves") {
    auto server = start_ssetool({"pipe", "--listen", "http://127.0.0.1:0/"}, {.listen = false});
    int port = announced_port(*server.process);
    CHECK(http_request(port, "GET", "/healthz").status == 200);
    CHECK(stop(server) == 0);
  }
  check_usage_error({"pipe", "--listen", "http://127.0.0.1:0/events"},
                    "ssetool: pipe: --listen 'http://127.0.0.1:0/events': an address has no path (give the path "
                    "with --path)");
  check_usage_error({"pipe", "--listen", "https://127.0.0.1:0"},
                    "ssetool: pipe: --listen 'https://127.0.0.1:0': https needs --tls-cert FILE and --tls-key FILE");
  check_usage_error({"pipe", "--listen", "ftp://127.0.0.1:0"},
                    "ssetool: pipe: --listen 'ftp://127.0.0.1:0': only http:// and https:// addresses can be "
                    "listened on");
}

TEST_CASE("cli: https://HOST:PORT with --tls-cert and --tls-key serves TLS", "[cli][tls]") {
  TempDir dir;
  auto certificate = make_self_signed_certificate(dir);
  auto server = start_ssetool({"pipe", "--listen", "https://127.0.0.1:0", "--tls-cert", certificate.cert_path,
                               "--tls-key", certificate.key_path},
                              {.listen = false});
  int port = announced_port(*server.process);
  CHECK(port > 0);
  CHECK_THAT(server.process->stderr_text(), Catch::Contains("serving https://127.0.0.1:"));
  CHECK(stop(server) == 0);
}

TEST_CASE("cli: ssetool help, ssetool help CMD and every subcommand's --version", "[cli]") {
  Outcome help = run_ssetool({"help"});
  CHECK(help.status == 0);
  CHECK(help.out == run_ssetool({"--help"}).out);
  CHECK_THAT(help.out, Catch::Contains("ssetool help SUBCOMMAND"));
  std::string version = run_ssetool({"--version"}).out;
  CHECK_THAT(version, Catch::StartsWith("ssetool "));
  for (std::string sub : {"pipe", "serve", "replay", "listen", "bench"}) {
    INFO(sub);
    Outcome h = run_ssetool({"help", sub});
    CHECK(h.status == 0);
    CHECK_THAT(h.out, Catch::StartsWith("Usage: ssetool " + sub) || Catch::Contains("Usage: ssetool " + sub));
    CHECK(h.out == run_ssetool({sub, "--help"}).out);
    Outcome v = run_ssetool({sub, "--version"});
    CHECK(v.status == 0);
    CHECK(v.out == version);
  }
  check_usage_error({"help", "nope"}, "ssetool: help: unknown subcommand 'nope' (see --help)");
  check_usage_error({"help", "pipe", "serve"}, "ssetool: help: give one subcommand, e.g. ssetool help pipe");
}

TEST_CASE("cli: a flag that needs another one says so", "[cli]") {
  check_usage_error({"pipe", "--tls-key", "k.pem"}, "ssetool: pipe: --tls-key: needs --tls-cert, which is not given");
  check_usage_error({"replay", "--tls-cert", "c.pem", replay_sample("ticks.tape")},
                    "ssetool: replay: --tls-cert: needs --tls-key, which is not given");
  check_usage_error({"serve", "--stdin-buffer", "1MiB", "--", "cat"},
                    "ssetool: serve: --stdin-buffer: applies to --stdin-endpoint, which is not given");
  check_usage_error({"serve", "--session-timeout", "1m", "--", "cat"},
                    "ssetool: serve: --session-timeout: applies to --mcp, which is not given");
  check_usage_error({"serve", "--mcp", "--pty", "--", "cat"}, "ssetool: serve: --pty: does not apply to --mcp");
  check_usage_error({"replay", replay_sample("ticks.tape"), "--fail-status", "500"},
                    "ssetool: replay: --fail-status: applies to --fail-first, which is not given");
  check_usage_error({"pipe", "-f", "sse", "-e", "tick"},
                    "ssetool: pipe: --event: applies to lines and ndjson input (sse input names its own types)");
  check_usage_error({"serve", "-f", "sse", "-e", "tick", "--", "cat"},
                    "ssetool: serve: --event: applies to lines and ndjson output (sse output names its own types)");
  for (std::string sub : {"pipe", "replay"}) {
    std::vector<std::string> args{sub, "-q", "-v"};
    if (sub == "replay") args.push_back(replay_sample("ticks.tape"));
    check_usage_error(args, "ssetool: " + sub + ": -q and -v: give one or the other");
  }
}

TEST_CASE("cli: servers log one line per client on connect and on close — the token never shows", "[cli][log]") {
  auto server = start_pipe({"--token", "s3cret", "--heartbeat", "0"});
  {
    SseClient client(server.port, "/events?access_token=s3cret");
    REQUIRE(client.status() == 200);
    CHECK(server.process->wait_for_stderr(
        [](const std::string& err) { return std::regex_search(err, kConnected); }));
  }
  CHECK(server.process->wait_for_stderr([](const std::string& err) {
    return std::regex_search(err, std::regex("127\\.0\\.0\\.1:[0-9]+ GET /events: closed after [0-9]+\\.[0-9]s, 0 "
                                             "events \\(client went away\\)\n"));
  }));
  SseClient staying(server.port, "/events", {{"Authorization", "Bearer s3cret"}});
  // The line is written as the stream subscribes: once it is there, what is published reaches the client.
  REQUIRE(server.process->wait_for_stderr([](const std::string& err) {
    return std::distance(std::sregex_iterator(err.begin(), err.end(), kConnected), std::sregex_iterator()) == 2;
  }));
  server.process->write_stdin("one\ntwo\n");
  REQUIRE(staying.events_until(2).size() == 2);
  CHECK(stop(server) == 0);
  std::string err = server.process->stderr_text();
  INFO(err);
  CHECK(std::regex_search(err, std::regex("GET /events: closed after [0-9.]+s, 2 events \\(server shutting down\\)\n")));
  CHECK(err.find("s3cret") == std::string::npos);
  CHECK(err.find("access_token") == std::string::npos);
}

TEST_CASE("cli: -q silences the per-client lines, -v adds bytes — serve and replay log the same way", "[cli][log]") {
  SECTION("-q on pipe, serve and replay: nothing on stderr") {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"pipe", "-q"}, {"serve", "-q", "--", "echo", "hi"}, {"replay", "-q", replay_sample("ticks.tape")}}) {
      INFO(args[0]);
      auto server = start_ssetool(args);
      {
        SseClient client(server.port, "/events");
        REQUIRE(client.status() == 200);
      }
      REQUIRE(await_metric(server.port, "clients_connected", 0));
      CHECK(stop(server) == 0);
      CHECK(server.process->stderr_text() == "");
    }
  }
  SECTION("pipe -v") {
    auto server = start_pipe({"-v", "--on-eof", "close"});
    SseClient client(server.port, "/events", {{"Last-Event-ID", "0"}});
    REQUIRE(await_metric(server.port, "clients_connected", 1));
    server.process->write_stdin("a\n");
    server.process->close_stdin();
    CHECK(client.wait_end());
    CHECK(server.process->wait() == 0);
    std::string err = server.process->stderr_text();
    INFO(err);
    CHECK(std::regex_search(err, std::regex("GET /events: connected \\(resuming after Last-Event-ID 0\\)\n")));
    // The input's end stops the server; the unknown Last-Event-ID adds an in-band notice to the event.
    CHECK(std::regex_search(err, std::regex("GET /events: closed after [0-9.]+s, 2 events, [0-9]+ bytes "
                                            "\\(server shutting down\\)\n")));
  }
  SECTION("serve: the command's end ends the stream") {
    auto server = start_ssetool({"serve", "--", "echo", "hi"});
    SseClient client(server.port, "/events");
    CHECK(client.wait_end());
    CHECK(server.process->wait_for_stderr("GET /events: closed after "));
    CHECK(server.process->wait_for_stderr(" 1 event (stream ended)\n"));
    CHECK(std::regex_search(server.process->stderr_text(), kConnected));
    CHECK(stop(server) == 0);
  }
  SECTION("replay: the recording's end ends the stream") {
    auto server = start_replay({replay_sample("ticks.tape"), "--speed", "0"});
    SseClient client(server.port, "/events");
    CHECK(client.wait_end());
    CHECK(server.process->wait_for_stderr("(stream ended)\n"));
    CHECK(std::regex_search(server.process->stderr_text(), kConnected));
    CHECK(stop(server) == 0);
  }
}
