// The load client behind `ssetool bench`: opens N client streams to one URL on a single Loop (one thread,
// whatever N), paced by a connect rate, keeps them for the duration of the run, and sums what they measured.
//
//   ssetool::Loop loop;
//   ssetool::BenchRunner runner(loop, {.target = ssetool::parse_bench_url(url), .clients = 100});
//   runner.start();
//   loop.run();                       // returns when the run is over (runner.stop() ends it early)
//   const ssetool::BenchStats& s = runner.stats();
//
// Connects: at most kMaxPending connections wait for their response head at once; with a ramp, connects start
// at that many per second. The run ends after `duration` (counted from start()), or earlier once every client
// has been tried and no stream is left open.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ssetool/bench/connection.hpp"
#include "ssetool/bench/stats.hpp"
#include "ssetool/bench/target.hpp"
#include "ssetool/bench/tls.hpp"
#include "ssetool/loop/loop.hpp"

namespace ssetool {

struct BenchOptions {
  Url target;
  std::size_t clients = 1;
  std::chrono::microseconds duration = std::chrono::seconds(10);
  double ramp = 0;                                               // connects per second; 0: as fast as possible
  std::vector<std::pair<std::string, std::string>> headers = {};  // extra request headers
  std::size_t stalled = 0;                                       // clients that never read, spread evenly
  std::optional<std::chrono::microseconds> expect_gap = {};
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  std::function<void(std::size_t streams_open)> on_ready = {};   // once every client has been tried
  std::optional<SocketAddress> address = {};  // where to connect; by default the first address of target's host
  BenchTlsOptions tls = {};                   // for an https:// target: how the server's certificate is checked
};

// The request every client sends: GET target, Host, Accept: text/event-stream, Cache-Control: no-cache, then
// the extra headers (which replace a default of the same name).
std::string bench_request(const Url& target, const std::vector<std::pair<std::string, std::string>>& headers);

// Raises the open-file limit for a run of `clients` streams (one descriptor each, plus a few for the loop, stdio
// and the resolver). Throws SystemError when the hard limit is too low.
void reserve_descriptors(std::size_t clients);

class BenchRunner {
 public:
  static constexpr std::size_t kMaxPending = 256;

  // Resolves the host unless options.address is given (throws SystemError) and checks the options (throws
  // InvalidArgument).
  BenchRunner(Loop& loop, BenchOptions options);
  ~BenchRunner();

  // On the loop's thread, before loop.run(): schedules the connects and the end of the run.
  void start();
  // Ends the run now (on the loop's thread): streams still open count as held; loop.stop() is called.
  void stop();

  const BenchStats& stats() const { return stats_; }
  // Time from start() to the end of the run (or to now while it runs).
  std::chrono::microseconds elapsed() const;

 private:
  void launch_more();
  void on_ramp_tick();
  void on_settled();
  void on_closed();
  bool is_stalled(std::size_t index) const;

  Loop& loop_;
  BenchOptions options_;
  BenchStats stats_;
  std::unique_ptr<BenchTlsContext> tls_;  // https only
  BenchContext context_;
  std::vector<std::unique_ptr<BenchConnection>> connections_;
  std::size_t launched_ = 0;
  std::size_t settled_ = 0;
  std::size_t closed_ = 0;
  bool ready_reported_ = false;
  bool launch_scheduled_ = false;
  bool stopped_ = false;
  Loop::Clock::time_point started_at_, stopped_at_;
  Loop::TimerId end_timer_ = 0, ramp_timer_ = 0;
};

}  // namespace ssetool
