// What `ssetool bench` measures, summed over every connection of a run: stream outcomes, failure reasons,
// event counts, id gaps, and fixed-size histograms of connect time, time to first event, publish->receive
// latency and timing error. Nothing here grows with the number of events or connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ssetool/bench/histogram.hpp"

namespace ssetool {

// Distinct failure reasons with their counts; at most kMaxReasons, the rest counted under "other reasons".
class FailureTally {
 public:
  static constexpr std::size_t kMaxReasons = 8;
  void add(const std::string& reason);
  const std::vector<std::pair<std::string, std::uint64_t>>& reasons() const { return reasons_; }
  std::uint64_t other() const { return other_; }
  // The most frequent reason ("" when none).
  std::string most_common() const;

 private:
  std::vector<std::pair<std::string, std::uint64_t>> reasons_;
  std::uint64_t other_ = 0;
};

struct BenchStats {
  using Clock = std::chrono::steady_clock;

  // Streams. Every client ends up in exactly one of: failed, stalled, or opened (and then held at the end of
  // the run, ended by the server, or dropped).
  std::uint64_t opened = 0;    // 200 with text/event-stream
  std::uint64_t ended = 0;     // opened, then ended cleanly by the server before the end of the run
  std::uint64_t dropped = 0;   // opened, then broken (reset, no final chunk, bad chunking, event too large)
  std::uint64_t failed = 0;    // never opened: connect error, timeout, other status or content type
  std::uint64_t stalled = 0;   // connected and sent the request, then never read (--stalled)
  std::uint64_t held = 0;      // opened and still open when the run ended
  FailureTally failures;       // why streams failed or were dropped

  // Events.
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;                    // body bytes, after de-chunking
  std::optional<Clock::time_point> first_event_at, last_event_at;

  // Numeric ids: on streams whose events carry decimal ids, a jump forward by more than one counts the ids in
  // between as lost; an id not above the previous one counts as reordered.
  std::uint64_t numeric_id_streams = 0;
  std::uint64_t lost = 0;
  std::uint64_t reordered = 0;

  // Histograms, in microseconds.
  LogHistogram connect_us;      // connect() to the response head
  LogHistogram first_event_us;  // connect() to the first event
  LogHistogram latency_us;      // send stamp to receive time, for stamped events
  LogHistogram gap_error_us;    // |arrival gap - expected gap|, with an expected gap (--expect-gap)
};

}  // namespace ssetool
