// Parsing of command-line quantities: durations with a unit ("250ms", "15s", "2m", "0") and sizes with
// an optional binary unit ("4MiB", "512KiB", "1024").
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace ssetool {

// "0" alone is allowed without a unit. Units: us, ms, s, m, h. Throws InvalidArgument.
std::chrono::microseconds parse_duration(std::string_view text);

// Units: none (bytes), B, KiB, MiB, GiB (also K/M/G, KB/MB/GB meaning the same binary units). Throws InvalidArgument.
std::uint64_t parse_size(std::string_view text);

}  // namespace ssetool
