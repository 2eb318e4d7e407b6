// The report of a bench run, as `ssetool bench` prints it at the end: a readable table (the default) or JSON
// (--json). Both are returned as text; the caller prints them. The JSON keys are documented in
// man/ssetool-bench.1.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "ssetool/bench/stats.hpp"

namespace ssetool {

struct BenchRun {
  std::string url;
  std::size_t clients = 0;
  std::chrono::microseconds duration{0};  // as requested
  std::chrono::microseconds elapsed{0};   // as it ran
  const BenchStats& stats;
};

// Lines of "name  values", each ending with a newline.
std::string bench_table(const BenchRun& run);
// One JSON object, indented by 2, and a newline.
std::string bench_json(const BenchRun& run);

}  // namespace ssetool
