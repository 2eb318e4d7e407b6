// The load client behind `ssetool bench` (see bench/runner.hpp).
#include "ssetool/bench/runner.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/core.h>
#include <strings.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/base/limits.hpp"

namespace ssetool {
namespace {

constexpr auto kRampTick = std::chrono::milliseconds(10);
constexpr std::size_t kSpareDescriptors = 32;  // beyond one per client: the loop's own, stdio, resolver

bool has_header(const std::vector<std::pair<std::string, std::string>>& headers, const char* name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return strcasecmp(h.first.c_str(), name) == 0; });
}

}  // namespace

std::string bench_request(const Url& target,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string request = "GET " + target.target + " HTTP/1.1\r\n";
  if (!has_header(headers, "Host")) request += "Host: " + target.authority + "\r\n";
  if (!has_header(headers, "Accept")) request += "Accept: text/event-stream\r\n";
  if (!has_header(headers, "Cache-Control")) request += "Cache-Control: no-cache\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  return request + "\r\n";
}

void reserve_descriptors(std::size_t clients) {
  std::size_t limit = raise_descriptor_limit();
  if (clients + kSpareDescriptors > limit)
    throw SystemError(fmt::format("--clients {} needs about {} open files but the limit is {} (see ulimit -Hn)",
                                  clients, clients + kSpareDescriptors, limit));
}

BenchRunner::BenchRunner(Loop& loop, BenchOptions options)
    : loop_(loop),
      options_(std::move(options)),
      context_{.loop = loop, .address = options_.address ? *options_.address : resolve(options_.target), .request = {}, .stats = stats_} {
  if (options_.clients == 0) throw InvalidArgument("--clients must be at least 1");
  if (options_.stalled > options_.clients) throw InvalidArgument("--stalled is larger than --clients");
  if (options_.ramp < 0 || !std::isfinite(options_.ramp)) throw InvalidArgument("--ramp must be >= 0");
  context_.request = bench_request(options_.target, options_.headers);
  if (options_.target.scheme == "https") {
    tls_ = std::make_unique<BenchTlsContext>(options_.tls);
    context_.tls = tls_.get();
    context_.tls_host = options_.target.host;
  }
  context_.connect_timeout = options_.connect_timeout;
  context_.expect_gap = options_.expect_gap;
  context_.on_settled = [this](BenchConnection&) { on_settled(); };
  context_.on_closed = [this](BenchConnection&) { on_closed(); };
  connections_.reserve(options_.clients);
}

BenchRunner::~BenchRunner() {
  loop_.cancel_timer(end_timer_);
  loop_.cancel_timer(ramp_timer_);
  connections_.clear();  // closes every socket
}

void BenchRunner::start() {
  started_at_ = Loop::Clock::now();
  end_timer_ = loop_.add_timer(options_.duration, [this] {
    end_timer_ = 0;
    stop();
  });
  if (options_.ramp > 0) on_ramp_tick();
  else launch_more();
}

// Stalled clients are spread evenly among the others: client i is stalled when it crosses a multiple.
bool BenchRunner::is_stalled(std::size_t index) const {
  if (options_.stalled == 0) return false;
  return (index + 1) * options_.stalled / options_.clients != index * options_.stalled / options_.clients;
}

void BenchRunner::launch_more() {
  launch_scheduled_ = false;
  if (stopped_) return;
  std::size_t allowed = options_.clients;
  if (options_.ramp > 0) {
    double seconds = std::chrono::duration<double>(Loop::Clock::now() - started_at_).count();
    allowed = std::min(allowed, static_cast<std::size_t>(options_.ramp * seconds) + 1);
  }
  while (launched_ < allowed && launched_ - settled_ < kMaxPending && !stopped_) {
    std::size_t index = launched_++;
    connections_.push_back(std::make_unique<BenchConnection>(context_, is_stalled(index)));
    connections_.back()->open();
  }
}

void BenchRunner::on_ramp_tick() {
  ramp_timer_ = 0;
  launch_more();
  if (launched_ < options_.clients && !stopped_) ramp_timer_ = loop_.add_timer(kRampTick, [this] { on_ramp_tick(); });
}

void BenchRunner::on_settled() {
  ++settled_;
  if (settled_ == options_.clients && !ready_reported_) {
    ready_reported_ = true;
    if (options_.on_ready) options_.on_ready(stats_.opened - stats_.ended - stats_.dropped);
  }
  // More connects may start now, but not from inside this connection's handler.
  if (!launch_scheduled_ && launched_ < options_.clients) {
    launch_scheduled_ = true;
    loop_.post([this] { launch_more(); });  // post, not defer: it may be called before loop.run()
  }
}

void BenchRunner::on_closed() {
  ++closed_;
  if (launched_ == options_.clients && closed_ == options_.clients) loop_.post([this] { stop(); });
}

void BenchRunner::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopped_at_ = Loop::Clock::now();
  loop_.cancel_timer(end_timer_);
  loop_.cancel_timer(ramp_timer_);
  end_timer_ = ramp_timer_ = 0;
  for (auto& c : connections_)
    if (c->phase() == BenchConnection::Phase::streaming) ++stats_.held;
  for (auto& c : connections_) c->close();
  loop_.stop();
}

std::chrono::microseconds BenchRunner::elapsed() const {
  auto end = stopped_ ? stopped_at_ : Loop::Clock::now();
  return std::chrono::duration_cast<std::chrono::microseconds>(end - started_at_);
}

}  // namespace ssetool
