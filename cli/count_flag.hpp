// Counts given on the command line (-n, --clients, --max-reconnects...), checked with one short message naming
// the flag: CLI11's own range check prints a 330-character message, and its unsigned parse wraps "-5".
//
//   std::uint64_t n = count_flag("--max-events", "0", 1);  // throws InvalidArgument "--max-events: must be at least 1"
#pragma once

#include <cstdint>
#include <string>

namespace ssetool::cli {

// A whole number of at least `minimum`. Throws InvalidArgument "FLAG: ..." otherwise.
std::uint64_t count_flag(const std::string& flag, const std::string& text, std::uint64_t minimum);

}  // namespace ssetool::cli
