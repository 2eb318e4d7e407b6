// The wait before a reconnection: the reconnection time (the server's last `retry:`, else --retry), never less
// than a floor, and growing with exponential backoff and jitter while attempts keep failing.
//
//   delay = max(T, 100 ms)                                   after an accepted stream (200 text/event-stream)
//   delay = max(T', B × (1 + j) / 2),  B = min(T' × 2^F, max(T', 30 s))   after F >= 1 failed attempts in a row
//
// where T' = max(T, 100 ms) and j is uniform in [0, 1) (the jitter). A failed attempt is one that got no
// accepted stream: the connection failed, broke or timed out before the response, or was redirected too often.
// An accepted stream resets F to 0. So a server that sends `retry: 0` and closes gets at most 10 connections a
// second, and an unreachable one is tried ever more rarely, at worst every 30 s (or T, if larger).
#pragma once

#include <chrono>
#include <cstdint>

namespace ssetool {

inline constexpr std::chrono::milliseconds kMinReconnectDelay{100};
inline constexpr std::chrono::milliseconds kMaxBackoffDelay{30'000};

// `failures`: failed attempts in a row (0 after an accepted stream); `jitter` in [0, 1).
std::chrono::milliseconds reconnect_delay(std::chrono::milliseconds reconnection_time, std::uint64_t failures,
                                          double jitter);

}  // namespace ssetool
