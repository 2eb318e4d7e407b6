// How a route plays its recording back: speed, pacing, chunking and the faults it injects. Plain settings, kept
// apart from the player so that route matching and the routes file do not pull in the stream loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "ssetool/replay/chunking.hpp"

namespace ssetool {

struct PlaybackSettings {
  double speed = 1.0;                              // 2: twice as fast; 0: no delays
  std::chrono::microseconds interval{0};           // before each item without a recorded time
  std::chrono::microseconds first_byte_delay{0};   // before the first item
  std::chrono::microseconds jitter{0};             // random extra delay per item, 0..jitter
  bool loop = false;                               // start again at the end, ids shifted each pass
  Chunking chunking = Chunking::event;
  std::optional<std::uint64_t> drop_after;         // close without the final chunk after N events
  std::optional<std::uint64_t> stall_after;        // send nothing more after N events, no heartbeats
};

}  // namespace ssetool
