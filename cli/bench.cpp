// `ssetool bench URL`: the load client. Opens many SSE client streams to one URL from a single thread (the
// stream loop), holds them for a while, and reports streams held and failed, connect time, time to first event,
// events per second, lost and reordered ids, and publish->receive latency from '@<epoch us> ' send stamps.
// The flags become a library BenchRunner (lib/include/ssetool/bench/runner.hpp); its report (bench/report.hpp)
// is printed on stdout.
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fmt/core.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "command.hpp"
#include "flag_values.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"
#include "ssetool/bench/report.hpp"
#include "ssetool/bench/runner.hpp"
#include "ssetool/bench/server_wait.hpp"
#include "ssetool/bench/target.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/server/server_options.hpp"

namespace ssetool::cli {
namespace {

struct BenchFlags {
  std::string url;
  std::string clients = "10";
  std::string duration = "10s";
  std::string removed_d;  // -d: no longer a flag of bench (it is --data in listen)
  std::string wait = "10s";
  bool quiet = false;
  bool verbose = false;
  double ramp = 0;
  std::vector<std::string> headers;
  std::string token;
  bool json = false;
  std::string stalled = "0";
  std::string expect_gap;
  std::string connect_timeout = "10s";
  std::string ready_file;
  std::string cacert;
  bool insecure = false;
};

// Writes "N\n" to `path` atomically (a temporary file renamed over it).
void write_ready_file(const std::string& path, std::size_t streams_open) {
  std::string temporary = path + ".tmp";
  std::FILE* f = std::fopen(temporary.c_str(), "w");
  bool ok = f != nullptr && std::fprintf(f, "%zu\n", streams_open) > 0;
  if (f != nullptr && std::fclose(f) != 0) ok = false;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0)
    throw SystemError("--ready-file '" + path + "': cannot write: " + std::strerror(errno));
}

BenchOptions options_from(const BenchFlags& flags) {
  if (!flags.removed_d.empty())
    throw InvalidArgument("-d: bench has no -d (in listen it is --data); the run's length is --duration");
  BenchOptions o;
  o.target = parse_bench_url(flags.url);
  o.clients = count_flag("--clients", flags.clients, 1);
  o.duration = duration_flag("--duration", flags.duration, false);
  if (flags.ramp < 0 || !std::isfinite(flags.ramp)) throw InvalidArgument("--ramp: must be 0 or more");
  o.ramp = flags.ramp;
  for (const auto& h : flags.headers) o.headers.push_back(parse_header_option(h));
  if (!flags.token.empty()) {
    if (flags.token.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      throw InvalidArgument("--token (or $SSETOOL_TOKEN): CR, LF or NUL is not allowed");
    o.headers.emplace_back("Authorization", "Bearer " + flags.token);
  }
  o.stalled = count_flag("--stalled", flags.stalled, 0);
  if (o.stalled > o.clients) throw InvalidArgument("--stalled: must not be more than --clients");
  if (!flags.expect_gap.empty()) {
    o.expect_gap = duration_flag("--expect-gap", flags.expect_gap, false);
  }
  if (o.target.scheme != "https" && (flags.insecure || !flags.cacert.empty()))
    throw InvalidArgument(std::string(flags.insecure ? "--insecure" : "--cacert") + ": only for an https:// URL");
  if (!flags.cacert.empty() && ::access(flags.cacert.c_str(), R_OK) != 0)
    throw InvalidArgument("--cacert " + flags.cacert + ": cannot read: " + std::strerror(errno));
  o.tls = {.ca_file = flags.cacert, .insecure = flags.insecure};
  o.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      duration_flag("--connect-timeout", flags.connect_timeout));
  if (o.connect_timeout.count() <= 0) throw InvalidArgument("--connect-timeout: must be at least 1ms");
  const bool verbose = flags.verbose;
  o.on_ready = [path = flags.ready_file, verbose](std::size_t open) {
    if (verbose) print_error("bench", fmt::format("every client has connected or failed: {} streams open", open));
    if (!path.empty()) write_ready_file(path, open);
  };
  return o;
}

// Waits (up to --wait) for the server to accept connections, so that `pipe ... & bench ...` does not race; the
// run connects to the address that accepted.
void wait_for_server(const BenchFlags& flags, BenchOptions& options) {
  std::chrono::milliseconds limit = std::chrono::duration_cast<std::chrono::milliseconds>(duration_flag("--wait", flags.wait));
  ServerWaitOptions wait{.limit = limit};
  if (!flags.quiet) wait.on_waiting = [](const std::string& line) { print_error("bench", line); };
  try {
    options.address = ssetool::wait_for_server(resolve_all(options.target), wait);
  } catch (const SystemError& e) {
    throw SystemError(flags.url + ": " + e.what());
  }
}

int run_bench(const BenchFlags& flags) {
  BenchOptions options = options_from(flags);
  reserve_descriptors(options.clients);
  wait_for_server(flags, options);
  if (flags.verbose)
    print_error("bench", fmt::format("opening {} client{} to {} for {}", options.clients,
                                     options.clients == 1 ? "" : "s", flags.url, flags.duration));
  block_signals({SIGINT, SIGTERM});
  Loop loop;
  const std::size_t runner_clients = options.clients;
  BenchRunner runner(loop, std::move(options));
  loop.watch_signals({SIGINT, SIGTERM}, [&runner](int) { runner.stop(); });
  runner.start();
  loop.run();

  const BenchStats& stats = runner.stats();
  BenchRun run{flags.url, runner_clients, duration_flag("--duration", flags.duration), runner.elapsed(), stats};
  std::string report = flags.json ? bench_json(run) : bench_table(run);
  std::fwrite(report.data(), 1, report.size(), stdout);
  std::fflush(stdout);
  if (stats.opened == 0 && stats.stalled == 0) {
    print_error("bench", fmt::format("{}: all {} client{} failed: {}", flags.url, runner_clients,
                                     runner_clients == 1 ? "" : "s", stats.failures.most_common()));
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

Runner add_bench_command(CLI::App& app) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* sub = app.add_subcommand("bench", "Load-test an SSE endpoint with many clients");
  sub->footer(
      "Latency is measured on events whose data begins with '@<send time in epoch microseconds> '\n"
      "(what 'ssetool pipe --stamp' sends); loss and reordering on events with numeric ids.\n"
      "Examples:\n"
      "  ssetool bench http://127.0.0.1:8080/events --clients 1000 --duration 30s\n"
      "  ssetool bench http://127.0.0.1:8080/events -c 10000 --ramp 2000 --json > run.json\n"
      "  ssetool bench https://127.0.0.1:8443/events --cacert cert.pem -c 1000\n"
      "See ssetool-bench(1).");
  sub->add_option("url", flags->url, "The event stream to load: http://HOST[:PORT]/PATH or https://...")->required();
  sub->add_option("-c,--clients", flags->clients, "Client streams to open")->capture_default_str()->type_name("N");
  sub->add_option("--duration", flags->duration, "How long the run lasts, from the first connect")
      ->capture_default_str()
      ->type_name("DURATION");
  sub->add_option("-d", flags->removed_d, "")->group("");  // removed: says so (see options_from)
  sub->add_option("--wait", flags->wait,
                  "While the server refuses connections, try again for up to DURATION before the run (0: do not wait)")
      ->capture_default_str()
      ->type_name("DURATION");
  sub->add_option("--ramp", flags->ramp, "Connects started per second (0: as fast as possible)")
      ->capture_default_str();
  sub->add_option("-H,--header", flags->headers, "Extra request header 'Name: value' (repeatable)");
  sub->add_option("--token", flags->token, "Send 'Authorization: Bearer TOKEN'")
      ->envname("SSETOOL_TOKEN");
  sub->add_flag("--json", flags->json, "Print the report as JSON instead of a table");
  sub->add_option("--stalled", flags->stalled, "Of the clients, this many send the request and then never read")
      ->capture_default_str()
      ->type_name("N");
  sub->add_option("--expect-gap", flags->expect_gap,
                  "Also report how far each gap between two events on a stream is from this duration");
  sub->add_option("--connect-timeout", flags->connect_timeout,
                  "A client without a response head this long after connect() fails")
      ->capture_default_str();
  sub->add_option("--ready-file", flags->ready_file,
                  "Once every client has connected or failed, write the number of open streams to FILE");
  CLI::Option* cacert = sub->add_option(
      "--cacert", flags->cacert,
      "https: trust the certificates in this PEM file (default: the system's); the name or IP of the URL's host "
      "must match")->type_name("FILE");
  sub->add_flag("--insecure", flags->insecure, "https: do not verify the server's certificate")->excludes(cacert);
  CLI::Option* verbose =
      sub->add_flag("-v,--verbose", flags->verbose, "Also say on stderr when the clients open and are all tried");
  sub->add_flag("-q,--quiet", flags->quiet, "Print only the report and errors (not the wait for the server)")
      ->excludes(verbose);
  return [flags] { return run_bench(*flags); };
}

}  // namespace ssetool::cli
