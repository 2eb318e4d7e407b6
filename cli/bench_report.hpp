// The report `ssetool bench` prints at the end of a run: a readable table (the default) or JSON (--json).
// The JSON keys are documented in man/ssetool-bench.1.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "ssetool/bench/stats.hpp"

namespace ssetool::cli {

struct BenchRun {
  std::string url;
  std::size_t clients = 0;
  std::chrono::microseconds duration{0};  // as requested
  std::chrono::microseconds elapsed{0};   // as it ran
  const BenchStats& stats;
};

std::string bench_table(const BenchRun& run);
nlohmann::json bench_json(const BenchRun& run);

}  // namespace ssetool::cli
