// The end-of-run report of `ssetool bench`: table and JSON (see bench/report.hpp).
#include "ssetool/bench/report.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace ssetool {
namespace {

double seconds(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1e6; }
double ms(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

// The span from the first event received to the last one, in seconds (0 with fewer than two reads).
double event_window_s(const BenchStats& s) {
  if (!s.first_event_at || !s.last_event_at) return 0;
  return std::chrono::duration<double>(*s.last_event_at - *s.first_event_at).count();
}

double events_per_second(const BenchRun& run) {
  double window = event_window_s(run.stats);
  if (window <= 0) window = seconds(run.elapsed);
  return window > 0 ? static_cast<double>(run.stats.events) / window : 0;
}

double per_client_per_second(const BenchRun& run) {
  return run.stats.opened ? events_per_second(run) / static_cast<double>(run.stats.opened) : 0;
}

nlohmann::json histogram_json(const LogHistogram& h) {
  nlohmann::json j = {{"count", h.count()}};
  if (h.count() == 0) {
    for (const char* key : {"p50", "p99", "max", "mean"}) j[key] = nullptr;
    return j;
  }
  j["p50"] = ms(h.percentile(50));
  j["p99"] = ms(h.percentile(99));
  j["max"] = ms(h.max());
  j["mean"] = h.mean() / 1000.0;
  return j;
}

// "1.23 ms", "456 us", "12.3 s": three significant digits, the unit chosen for the value.
std::string duration_text(std::uint64_t us) {
  if (us < 1000) return fmt::format("{} us", us);
  double m = ms(us);
  if (m < 10) return fmt::format("{:.2f} ms", m);
  if (m < 1000) return fmt::format("{:.1f} ms", m);
  return fmt::format("{:.2f} s", m / 1000.0);
}

std::string histogram_row(const char* name, const LogHistogram& h, const std::string& note) {
  std::string row = fmt::format("  {:<13} ", name);
  if (h.count() == 0) row += "-";
  else
    row += fmt::format("p50 {:<10} p99 {:<10} max {}", duration_text(h.percentile(50)),
                       duration_text(h.percentile(99)), duration_text(h.max()));
  if (!note.empty()) row += "  (" + note + ")";
  return row + "\n";
}

std::string failures_rows(const BenchStats& s) {
  std::string out;
  for (const auto& [reason, count] : s.failures.reasons())
    out += fmt::format("  {:<13} {} x {}\n", out.empty() ? "failures" : "", count, reason);
  if (s.failures.other() > 0)
    out += fmt::format("  {:<13} {} x other reasons\n", out.empty() ? "failures" : "", s.failures.other());
  return out;
}

}  // namespace

std::string bench_table(const BenchRun& run) {
  const BenchStats& s = run.stats;
  std::string out = fmt::format("ssetool bench {}: {} client{} for {:.1f} s (ran {:.1f} s)\n", run.url, run.clients,
                                run.clients == 1 ? "" : "s", seconds(run.duration), seconds(run.elapsed));
  out += fmt::format("  {:<13} {} opened, {} held, {} ended, {} dropped, {} failed", "streams", s.opened, s.held,
                     s.ended, s.dropped, s.failed);
  out += s.stalled ? fmt::format(", {} stalled\n", s.stalled) : "\n";
  out += histogram_row("connect", s.connect_us, "");
  out += histogram_row("first event", s.first_event_us, "");
  out += fmt::format("  {:<13} {} in {:.2f} s: {:.0f}/s, {:.1f}/s per client, {:.1f} MB\n", "events", s.events,
                     event_window_s(s), events_per_second(run), per_client_per_second(run),
                     static_cast<double>(s.bytes) / 1e6);
  if (s.numeric_id_streams > 0)
    out += fmt::format("  {:<13} {} lost, {} reordered (numeric ids on {} stream{})\n", "ids", s.lost, s.reordered,
                       s.numeric_id_streams, s.numeric_id_streams == 1 ? "" : "s");
  else
    out += fmt::format("  {:<13} -  (no numeric ids: loss not measured)\n", "ids");
  out += histogram_row("latency", s.latency_us,
                       s.latency_us.count() ? fmt::format("{} stamped events", s.latency_us.count())
                                            : "no '@<epoch us> ' stamps in the data");
  if (s.gap_error_us.count() > 0)
    out += histogram_row("gap error", s.gap_error_us, fmt::format("{} gaps", s.gap_error_us.count()));
  return out + failures_rows(s);
}

std::string bench_json(const BenchRun& run) {
  const BenchStats& s = run.stats;
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& [reason, count] : s.failures.reasons()) failures.push_back({{"reason", reason}, {"count", count}});
  nlohmann::json report = {
      {"url", run.url},
      {"clients", run.clients},
      {"duration_s", seconds(run.duration)},
      {"elapsed_s", seconds(run.elapsed)},
      {"streams",
       {{"opened", s.opened}, {"held", s.held}, {"ended", s.ended}, {"dropped", s.dropped}, {"failed", s.failed},
        {"stalled", s.stalled}}},
      {"failures", failures},
      {"other_failures", s.failures.other()},
      {"connect_ms", histogram_json(s.connect_us)},
      {"first_event_ms", histogram_json(s.first_event_us)},
      {"events",
       {{"total", s.events}, {"bytes", s.bytes}, {"window_s", event_window_s(s)},
        {"per_second", events_per_second(run)}, {"per_client_per_second", per_client_per_second(run)}}},
      {"ids", {{"numeric_streams", s.numeric_id_streams}, {"lost", s.lost}, {"reordered", s.reordered}}},
      {"latency_ms", histogram_json(s.latency_us)},
      {"gap_error_ms", histogram_json(s.gap_error_us)},
  };
  return report.dump(2) + "\n";
}

}  // namespace ssetool
