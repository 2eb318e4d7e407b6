// Counts, sizes and durations given as flag values, checked with the flag's name in every message. Counts are
// read as text so that a negative number is refused ("--history -5: must be a whole number >= 0") rather than
// wrapped to a huge value, and messages stay one short line.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ssetool::cli {

// A whole number from `min` up. Throws InvalidArgument naming the flag.
std::uint64_t count_flag(const char* flag, const std::string& text, std::uint64_t min = 0);

// A size ("4MiB", "512KiB", "1024") from `min` bytes up. Throws InvalidArgument naming the flag.
std::uint64_t size_flag(const char* flag, const std::string& text, std::uint64_t min = 0);

// A duration ("250ms", "15s", "0"); zero only when `zero_allowed`. Throws InvalidArgument naming the flag.
std::chrono::microseconds duration_flag(const char* flag, const std::string& text, bool zero_allowed = true);

}  // namespace ssetool::cli
