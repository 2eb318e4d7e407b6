// The reconnection delay rule (see client/reconnect_delay.hpp).
#include "ssetool/client/reconnect_delay.hpp"

#include <algorithm>

namespace ssetool {

std::chrono::milliseconds reconnect_delay(std::chrono::milliseconds reconnection_time, std::uint64_t failures,
                                          double jitter) {
  using std::chrono::milliseconds;
  const milliseconds base = std::max(reconnection_time, kMinReconnectDelay);
  if (failures == 0) return base;
  const milliseconds cap = std::max(base, kMaxBackoffDelay);
  milliseconds backoff = base;
  for (std::uint64_t i = 0; i < failures && backoff < cap; ++i) backoff = std::min(backoff * 2, cap);
  jitter = std::clamp(jitter, 0.0, 1.0);
  auto jittered = milliseconds(static_cast<milliseconds::rep>(static_cast<double>(backoff.count()) * (1.0 + jitter) / 2));
  return std::max(base, std::min(jittered, backoff));
}

}  // namespace ssetool
