// Tests of the bench report (lib/include/ssetool/bench/report.hpp): the table and the JSON document for a run
// with known numbers (one sample per histogram, so every percentile is that sample).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ssetool/bench/report.hpp"

using namespace std::chrono_literals;

namespace {

ssetool::BenchStats known_stats() {
  ssetool::BenchStats s;
  s.opened = 2;
  s.held = 1;
  s.ended = 1;
  s.failed = 1;
  s.failures.add("connect: Connection refused");
  s.events = 10;
  s.bytes = 2'500'000;
  auto t0 = ssetool::BenchStats::Clock::now();
  s.first_event_at = t0;
  s.last_event_at = t0 + 2s;
  s.numeric_id_streams = 2;
  s.lost = 1;
  s.connect_us.record(100);
  s.first_event_us.record(5000);
  return s;
}

}  // namespace

TEST_CASE("bench report: the table", "[bench][report]") {
  ssetool::BenchStats s = known_stats();
  ssetool::BenchRun run{"http://h/e", 3, 10s, 10500ms, s};
  CHECK(ssetool::bench_table(run) ==
        "ssetool bench http://h/e: 3 clients for 10.0 s (ran 10.5 s)\n"
        "  streams       2 opened, 1 held, 1 ended, 0 dropped, 1 failed\n"
        "  connect       p50 100 us     p99 100 us     max 100 us\n"
        "  first event   p50 5.00 ms    p99 5.00 ms    max 5.00 ms\n"
        "  events        10 in 2.00 s: 5/s, 2.5/s per client, 2.5 MB\n"
        "  ids           1 lost, 0 reordered (numeric ids on 2 streams)\n"
        "  latency       -  (no '@<epoch us> ' stamps in the data)\n"
        "  failures      1 x connect: Connection refused\n");
}

TEST_CASE("bench report: the table's optional rows", "[bench][report]") {
  ssetool::BenchStats s;
  s.stalled = 4;
  s.latency_us.record(1500);
  s.gap_error_us.record(20);
  ssetool::BenchRun run{"http://h/e", 1, 1s, 1s, s};
  CHECK(ssetool::bench_table(run) ==
        "ssetool bench http://h/e: 1 client for 1.0 s (ran 1.0 s)\n"
        "  streams       0 opened, 0 held, 0 ended, 0 dropped, 0 failed, 4 stalled\n"
        "  connect       -\n"
        "  first event   -\n"
        "  events        0 in 0.00 s: 0/s, 0.0/s per client, 0.0 MB\n"
        "  ids           -  (no numeric ids: loss not measured)\n"
        "  latency       p50 1.50 ms    p99 1.50 ms    max 1.50 ms  (1 stamped events)\n"
        "  gap error     p50 20 us      p99 20 us      max 20 us  (1 gaps)\n");
}

TEST_CASE("bench report: the JSON document", "[bench][report]") {
  ssetool::BenchStats s = known_stats();
  ssetool::BenchRun run{"http://h/e", 3, 10s, 10500ms, s};
  std::string text = ssetool::bench_json(run);
  CHECK(text.starts_with("{\n  \"clients\": 3,\n"));  // keys in alphabetical order, indented by 2
  CHECK(text.ends_with("}\n"));
  nlohmann::json j = nlohmann::json::parse(text);
  CHECK(j["url"] == "http://h/e");
  CHECK(j["duration_s"] == 10.0);
  CHECK(j["elapsed_s"] == 10.5);
  CHECK(j["streams"] == nlohmann::json{{"opened", 2}, {"held", 1}, {"ended", 1}, {"dropped", 0}, {"failed", 1},
                                       {"stalled", 0}});
  CHECK(j["failures"] == nlohmann::json::array({{{"reason", "connect: Connection refused"}, {"count", 1}}}));
  CHECK(j["other_failures"] == 0);
  CHECK(j["connect_ms"] == nlohmann::json{{"count", 1}, {"p50", 0.1}, {"p99", 0.1}, {"max", 0.1}, {"mean", 0.1}});
  CHECK(j["latency_ms"] == nlohmann::json{{"count", 0}, {"p50", nullptr}, {"p99", nullptr}, {"max", nullptr},
                                          {"mean", nullptr}});
  CHECK(j["events"]["total"] == 10);
  CHECK(j["events"]["bytes"] == 2'500'000);
  CHECK(j["events"]["window_s"] == 2.0);
  CHECK(j["events"]["per_second"] == 5.0);
  CHECK(j["events"]["per_client_per_second"] == 2.5);
  CHECK(j["ids"] == nlohmann::json{{"numeric_streams", 2}, {"lost", 1}, {"reordered", 0}});
}
