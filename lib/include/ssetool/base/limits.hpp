// Process-wide resource limits that servers and load clients raise before opening many sockets.
#pragma once

#include <cstddef>

namespace ssetool {

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
std::size_t raise_descriptor_limit();

}  // namespace ssetool
