// --stamp: the send time put before an event's data ("@<epoch microseconds> "), for latency measurements. Shared
// by broadcast's files (private to the part).
#pragma once

#include <fmt/core.h>

#include <chrono>
#include <cstdint>

#include "ssetool/wire/event.hpp"

namespace ssetool {

inline void stamp(Event& event) {
  using namespace std::chrono;
  auto micros = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  event.data = fmt::format("@{} {}", static_cast<std::uint64_t>(micros), event.data);
}

}  // namespace ssetool
