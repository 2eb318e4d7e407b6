// Integration tests of `ssetool bench`, the load client: against a `ssetool pipe --stamp` started here (streams
// held, nothing lost or reordered, latency reported, table and JSON reports), against the scripted fixture server
// (request headers, lost and reordered ids, dropped streams, wrong content type), and its errors and exit codes.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "testsupport.hpp"

using namespace testsupport;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string numbered_lines(int count) {
  std::string s;
  for (int i = 1; i <= count; ++i) s += "payload " + std::to_string(i) + "\n";
  return s;
}

std::unique_ptr<Process> start_bench(std::vector<std::string> args) {
  args.insert(args.begin(), {ssetool_binary(), "bench"});
  return std::make_unique<Process>(args);
}

// A port on 127.0.0.1 that refuses connections for as long as the returned socket stays open (bound, never
// listening).
std::pair<int, int> refusing_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return {fd, ntohs(a.sin_port)};
}

// Polls (every 5 ms, at most 20 s) until bench's --ready-file says `streams` streams are open.
bool await_ready_file(const std::string& path, int streams) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path);
    int open = -1;
    if (in >> open) return open == streams;
    std::this_thread::sleep_for(5ms);  // bench's state: a file is all there is to watch
  }
  return false;
}

// Runs bench with --json against a pipe fed `lines` once `clients` streams are in; returns the parsed report.
json run_against_pipe(int clients, int lines, std::vector<std::string> extra_bench_args = {},
                      std::vector<std::string> extra_pipe_args = {}, const std::string& scheme = "http") {
  std::vector<std::string> pipe_args{"pipe", "--stamp"};
  pipe_args.insert(pipe_args.end(), extra_pipe_args.begin(), extra_pipe_args.end());
  auto server = start_ssetool(pipe_args);
  std::vector<std::string> args{scheme + "://127.0.0.1:" + std::to_string(server.port) + "/events", "--clients",
                                std::to_string(clients), "--duration", "60s", "--json"};
  args.insert(args.end(), extra_bench_args.begin(), extra_bench_args.end());
  std::string ready = server.dir->file("ready");
  if (scheme == "https") args.insert(args.end(), {"--ready-file", ready});  // /metrics is https too
  auto bench = start_bench(args);
  if (scheme == "https") REQUIRE(await_ready_file(ready, clients));
  else REQUIRE(await_metric(server.port, "clients_connected", clients));
  server.process->write_stdin(numbered_lines(lines));
  server.process->close_stdin();  // pipe delivers everything, then ends every stream: bench ends early
  REQUIRE(bench->wait(30s) == 0);
  INFO(bench->stderr_text());
  return json::parse(bench->stdout_text());
}

}  // namespace

TEST_CASE("bench: 20 clients on a stamped pipe hold their streams, lose nothing, measure latency",
          "[bench][concurrency]") {
  json r = run_against_pipe(20, 300);
  CHECK(r["url"].get<std::string>().find("/events") != std::string::npos);
  CHECK(r["clients"] == 20);
  CHECK(r["streams"]["opened"] == 20);
  CHECK(r["streams"]["ended"] == 20);  // the pipe ended every stream cleanly at end of input
  CHECK(r["streams"]["failed"] == 0);
  CHECK(r["streams"]["dropped"] == 0);
  CHECK(r["failures"].empty());
  CHECK(r["events"]["total"] == 20 * 300);
  CHECK(r["ids"]["numeric_streams"] == 20);
  CHECK(r["ids"]["lost"] == 0);
  CHECK(r["ids"]["reordered"] == 0);
  CHECK(r["latency_ms"]["count"] == 20 * 300);
  CHECK(r["latency_ms"]["p50"].get<double>() >= 0);
  CHECK(r["latency_ms"]["p99"].get<double>() >= r["latency_ms"]["p50"].get<double>());
  CHECK(r["latency_ms"]["max"].get<double>() >= r["latency_ms"]["p99"].get<double>());
  CHECK(r["latency_ms"]["max"].get<double>() < 10000);
  CHECK(r["connect_ms"]["count"] == 20);
  CHECK(r["first_event_ms"]["count"] == 20);
  CHECK(r["events"]["per_second"].get<double>() > 0);
  CHECK(r["events"]["per_client_per_second"].get<double>() ==
        Approx(r["events"]["per_second"].get<double>() / 20));
  CHECK(r["gap_error_ms"]["count"] == 0);
  CHECK(r["gap_error_ms"]["p99"].is_null());
}

TEST_CASE("bench: the JSON report has every documented key", "[bench][concurrency]") {
  json r = run_against_pipe(2, 10);
  for (const char* key : {"url", "clients", "duration_s", "elapsed_s", "streams", "failures", "other_failures",
                          "connect_ms", "first_event_ms", "events", "ids", "latency_ms", "gap_error_ms"})
    CHECK(r.contains(key));
  for (const char* key : {"opened", "held", "ended", "dropped", "failed", "stalled"}) CHECK(r["streams"].contains(key));
  for (const char* key : {"total", "bytes", "window_s", "per_second", "per_client_per_second"})
    CHECK(r["events"].contains(key));
  for (const char* key : {"numeric_streams", "lost", "reordered"}) CHECK(r["ids"].contains(key));
  for (const char* h : {"connect_ms", "first_event_ms", "latency_ms", "gap_error_ms"})
    for (const char* key : {"count", "p50", "p99", "max", "mean"}) CHECK(r[h].contains(key));
  CHECK(r["duration_s"] == 60.0);
  CHECK(r["elapsed_s"].get<double>() < 60.0);
}

TEST_CASE("bench: the table report, the ready file, streams held at the end of the run", "[bench][concurrency]") {
  auto server = start_ssetool({"pipe", "--stamp"});
  std::string ready = server.dir->file("ready");
  auto bench = start_bench({"http://127.0.0.1:" + std::to_string(server.port) + "/events", "-c", "5", "--duration", "2s",
                            "--ready-file", ready});
  REQUIRE(await_metric(server.port, "clients_connected", 5));
  server.process->write_stdin(numbered_lines(10));
  REQUIRE(bench->wait(20s) == 0);  // the run ends after its duration: the streams are still open
  std::string out = bench->stdout_text();
  INFO(out << bench->stderr_text());
  CHECK_THAT(out, Catch::Contains("5 clients for 2.0 s"));
  CHECK_THAT(out, Catch::Contains("5 opened, 5 held, 0 ended, 0 dropped, 0 failed"));
  CHECK_THAT(out, Catch::Contains("0 lost, 0 reordered (numeric ids on 5 streams)"));
  CHECK_THAT(out, Catch::Contains("(50 stamped events)"));
  CHECK(std::regex_search(out, std::regex("latency +p50 [0-9.]+ (us|ms) +p99 ")));
  CHECK(server.dir->read("ready") == "5\n");
}

TEST_CASE("bench: a refused connection is a clear error, exit 1", "[bench][concurrency]") {
  auto [fd, port] = refusing_port();
  auto bench = start_bench({"http://127.0.0.1:" + std::to_string(port) + "/events", "-c", "3", "--duration", "10s",
                            "--wait", "0"});
  CHECK(bench->wait(10s) == 1);
  ::close(fd);
  CHECK_THAT(bench->stderr_text(),
             Catch::Contains("ssetool: bench: http://127.0.0.1:" + std::to_string(port) +
                             "/events: all 3 clients failed: connect: Connection refused"));
  CHECK_THAT(bench->stdout_text(), Catch::Contains("3 x connect: Connection refused"));
}

TEST_CASE("bench: usage errors name the flag or the URL, exit 2", "[bench][concurrency]") {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  std::vector<Case> cases = {
      {{"ftp://127.0.0.1/events"}, "URL 'ftp://127.0.0.1/events': expected http://"},
      {{"http://127.0.0.1:1/", "--insecure"}, "--insecure: only for an https:// URL"},
      {{"http://127.0.0.1:1/", "--cacert", "/etc/hostname"}, "--cacert: only for an https:// URL"},
      {{"https://127.0.0.1:1/", "--cacert", "/nonexistent/ca.pem"}, "--cacert /nonexistent/ca.pem: cannot read"},
      {{"https://127.0.0.1:1/", "--cacert", "/etc/hostname", "--insecure"}, "excludes"},
      {{"http://127.0.0.1:99999/"}, "invalid port '99999'"},
      {{"http://127.0.0.1:1/", "-H", "no colon"}, "--header 'no colon': expected 'Name: value'"},
      {{"http://127.0.0.1:1/", "--duration", "ten"}, "--duration"},
      {{"http://127.0.0.1:1/", "--clients", "0"}, "--clients 0: must be at least 1"},
      {{"http://127.0.0.1:1/", "--clients", "2", "--stalled", "3"}, "--stalled: must not be more than --clients"},
      {{"http://127.0.0.1:1/", "--expect-gap", "5"}, "--expect-gap"},
      {{}, "url is required"},
  };
  for (const auto& c : cases) {
    INFO(c.message);
    auto bench = start_bench(c.args);
    CHECK(bench->wait(10s) == 2);
    CHECK_THAT(bench->stderr_text(), Catch::StartsWith("ssetool: bench: ") && Catch::Contains(c.message));
  }
}

TEST_CASE("bench: --token and -H are sent, a 401 counts as failed with its status", "[bench][concurrency]") {
  auto server = start_ssetool({"pipe", "--token", "s3cret"});
  std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/events";
  auto refused = start_bench({url, "-c", "2", "--duration", "5s"});
  CHECK(refused->wait(10s) == 1);
  CHECK_THAT(refused->stderr_text(), Catch::Contains("all 2 clients failed: HTTP 401"));

  auto admitted = start_bench({url, "-c", "2", "--duration", "500ms", "--token", "s3cret", "--json"});
  REQUIRE(admitted->wait(10s) == 0);
  json r = json::parse(admitted->stdout_text());
  CHECK(r["streams"]["opened"] == 2);
  CHECK(r["streams"]["held"] == 2);

  FixtureServer fixture;
  fixture.add(FixtureResponse::stream({{0ms, "data: x\n\n"}}));
  auto with_header = start_bench({fixture.url("/events?q=1"), "-c", "1", "--duration", "5s", "-H", "X-Trace: abc",
                                  "--token", "t0k"});
  CHECK(with_header->wait(10s) == 0);
  REQUIRE(fixture.wait_for_requests(1));
  auto request = fixture.requests().at(0);
  CHECK(request.target == "/events?q=1");
  CHECK(request.header("X-Trace") == "abc");
  CHECK(request.header("Authorization") == "Bearer t0k");
  CHECK(request.header("Accept") == "text/event-stream");
}

TEST_CASE("bench: lost and reordered ids, a dropped stream, a wrong content type", "[bench][concurrency]") {
  FixtureServer fixture;
  // Ids 1 2 5 4 6: 3 and 4 count as lost at the jump to 5, then 4 arrives late (reordered). Then no final chunk.
  fixture.add(FixtureResponse::stream({{0ms, "id: 1\ndata: a\n\nid: 2\ndata: b\n\n"},
                                       {5ms, "id: 5\ndata: c\n\nid: 4\ndata: d\n\nid: 6\ndata: @1 e\n\n"}},
                                      FixtureResponse::Ending::drop));
  fixture.add(FixtureResponse::plain(200, "text/html", "<html></html>"));
  auto bench = start_bench({fixture.url("/events"), "-c", "2", "--duration", "10s", "--json"});
  REQUIRE(bench->wait(15s) == 0);
  json r = json::parse(bench->stdout_text());
  CHECK(r["streams"]["opened"] == 1);
  CHECK(r["streams"]["dropped"] == 1);
  CHECK(r["streams"]["failed"] == 1);
  CHECK(r["events"]["total"] == 5);
  CHECK(r["ids"]["lost"] == 2);
  CHECK(r["ids"]["reordered"] == 1);
  CHECK(r["latency_ms"]["count"] == 1);  // "@1 e": sent at the epoch's first microsecond
  std::string failures = r["failures"].dump();
  CHECK_THAT(failures, Catch::Contains("Content-Type 'text/html' is not text/event-stream"));
  CHECK_THAT(failures, Catch::Contains("dropped: the connection closed without the final chunk"));
}

TEST_CASE("bench: --expect-gap measures the timing error of paced events", "[bench][concurrency]") {
  FixtureServer fixture;
  std::vector<FixtureChunk> chunks;
  for (int i = 1; i <= 20; ++i) chunks.push_back({20ms, "id: " + std::to_string(i) + "\ndata: x\n\n"});
  fixture.add(FixtureResponse::stream(chunks));
  auto bench = start_bench({fixture.url("/events"), "-c", "1", "--duration", "20s", "--expect-gap", "20ms", "--json"});
  REQUIRE(bench->wait(20s) == 0);
  json r = json::parse(bench->stdout_text());
  CHECK(r["gap_error_ms"]["count"] == 19);
  CHECK(r["gap_error_ms"]["p50"].get<double>() < 20.0);  // the gaps are near 20 ms, not near 0 or 40
}

TEST_CASE("bench: stalled clients connect and never read", "[bench][concurrency]") {
  auto server = start_ssetool({"pipe"});
  auto bench = start_bench({"http://127.0.0.1:" + std::to_string(server.port) + "/events", "-c", "4", "--stalled",
                            "2", "--duration", "1s", "--json"});
  REQUIRE(await_metric(server.port, "clients_connected", 4));
  REQUIRE(bench->wait(10s) == 0);
  json r = json::parse(bench->stdout_text());
  CHECK(r["streams"]["stalled"] == 2);
  CHECK(r["streams"]["opened"] == 2);
  CHECK(r["streams"]["held"] == 2);
}

TEST_CASE("bench waits for a server that is not up yet, then runs", "[bench][concurrency]") {
  auto [fd, port] = refusing_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/events";
  auto bench = start_bench({url, "-c", "2", "--duration", "1s", "--json"});
  REQUIRE(bench->wait_for_stderr("ssetool: bench: waiting up to 10s for 127.0.0.1:" + std::to_string(port) +
                                 " to accept connections (--wait)\n"));
  ::close(fd);  // the port is free again: the server takes it
  auto server = start_ssetool({"pipe", "--listen", "127.0.0.1:" + std::to_string(port)}, {.listen = false});
  REQUIRE(bench->wait(20s) == 0);
  json r = json::parse(bench->stdout_text());
  CHECK(r["streams"]["opened"] == 2);
  CHECK(r["streams"]["failed"] == 0);
}

TEST_CASE("bench gives up waiting after --wait, naming the address, -q drops the waiting line", "[bench][concurrency]") {
  auto [fd, port] = refusing_port();
  const std::string where = "127.0.0.1:" + std::to_string(port);
  const bool quiet = GENERATE(false, true);
  std::vector<std::string> args{"http://" + where + "/events", "--wait", "300ms"};
  if (quiet) args.push_back("-q");
  auto started = std::chrono::steady_clock::now();
  auto bench = start_bench(args);
  CHECK(bench->wait(10s) == 1);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  ::close(fd);
  const std::string last = "ssetool: bench: http://" + where + "/events: connect " + where +
                           ": connection refused (waited 300ms, see --wait)\n";
  if (quiet) CHECK(bench->stderr_text() == last);
  else CHECK(bench->stderr_text() == "ssetool: bench: waiting up to 300ms for " + where + " to accept connections (--wait)\n" + last);
}

TEST_CASE("bench rejects bad counts and its old -d with one short line, exit 2", "[bench][concurrency]") {
  auto [args, message] = GENERATE(table<std::vector<std::string>, std::string>({
      {{"-c", "0"}, "--clients 0: must be at least 1"},
      {{"-c", "-5"}, "--clients -5: must be a whole number >= 1"},
      {{"--stalled", "-1"}, "--stalled -1: must be a whole number >= 0"},
      {{"--ramp", "-5"}, "--ramp: must be 0 or more"},
      {{"--duration", "0"}, "--duration 0: must be more than 0"},
      {{"--expect-gap", "0"}, "--expect-gap 0: must be more than 0"},
      {{"-d", "30s"}, "-d: bench has no -d (in listen it is --data); the run's length is --duration"},
  }));
  args.insert(args.begin(), "http://127.0.0.1:1/events");
  auto bench = start_bench(args);
  CHECK(bench->wait(10s) == 2);
  CHECK(bench->stderr_text() == "ssetool: bench: " + message + "\n");
}

TEST_CASE("bench over https against `pipe --tls-cert`: --cacert verifies and every event arrives, --insecure skips "
          "the check, an untrusted certificate fails every client",
          "[bench][concurrency]") {
  TempDir dir;
  Certificate certificate = make_self_signed_certificate(dir);
  std::vector<std::string> tls{"--tls-cert", certificate.cert_path, "--tls-key", certificate.key_path};
  SECTION("--cacert") {
    json r = run_against_pipe(20, 300, {"--cacert", certificate.cert_path}, tls, "https");
    CHECK(r["streams"]["opened"] == 20);
    CHECK(r["streams"]["ended"] == 20);
    CHECK(r["failures"].empty());
    CHECK(r["events"]["total"] == 20 * 300);
    CHECK(r["ids"]["lost"] == 0);
    CHECK(r["ids"]["reordered"] == 0);
    CHECK(r["latency_ms"]["count"] == 20 * 300);
  }
  SECTION("--insecure") {
    json r = run_against_pipe(3, 50, {"--insecure"}, tls, "https");
    CHECK(r["streams"]["opened"] == 3);
    CHECK(r["events"]["total"] == 3 * 50);
  }
  SECTION("the system's trust store does not know the certificate") {
    auto server = start_ssetool({"pipe", "--tls-cert", certificate.cert_path, "--tls-key", certificate.key_path});
    auto bench = start_bench({"https://127.0.0.1:" + std::to_string(server.port) + "/events", "-c", "2", "--json"});
    CHECK(bench->wait(30s) == 1);
    CHECK_THAT(bench->stderr_text(), Catch::Contains("all 2 clients failed: TLS handshake: certificate: "));
    json r = json::parse(bench->stdout_text());
    CHECK(r["streams"]["failed"] == 2);
  }
  SECTION("the certificate names another host") {
    TempDir other_dir;
    Certificate other{other_dir.file("cert.pem"), other_dir.file("key.pem")};
    Process openssl({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-subj", "/CN=other.example", "-days", "1", "-addext", "subjectAltName=DNS:other.example",
                     "-keyout", other.key_path, "-out", other.cert_path});
    openssl.close_stdin();
    REQUIRE(openssl.wait(60s) == 0);
    auto server = start_ssetool({"pipe", "--tls-cert", other.cert_path, "--tls-key", other.key_path});
    auto bench = start_bench({"https://127.0.0.1:" + std::to_string(server.port) + "/events", "-c", "1",
                              "--cacert", other.cert_path});
    CHECK(bench->wait(30s) == 1);
    CHECK_THAT(bench->stderr_text(), Catch::Contains("TLS handshake: certificate: ") &&
                                         Catch::Contains("mismatch"));
  }
}
