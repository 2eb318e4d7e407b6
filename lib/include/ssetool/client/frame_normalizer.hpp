// Turns the parser's callbacks back into the frames a server effectively sent: events, comments, and the blocks
// that dispatch nothing but still matter (a lone `id:`, a lone `retry:`). `listen -o sse` prints these frames and
// the tape recorder (client/tape_recorder.hpp) records them.
//
//   ssetool::FrameNormalizer normalizer([&](const ssetool::Event& frame) { out << ssetool::encode(frame); }, "");
//   // from the client's callbacks:
//   normalizer.event(parsed);  normalizer.retry(ms);  normalizer.comment(text);
//   normalizer.end_of_stream(client.last_event_id());
//
// An id is written on the event whose block carried it; an id set by a block without data comes out as a lone
// `id:` frame once the next event (or the end of the stream) shows it took effect. A `retry:` comes out alone
// when the next event, retry or end of stream shows that it was not that event's own.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ssetool/wire/event.hpp"
#include "ssetool/wire/parser.hpp"

namespace ssetool {

class FrameNormalizer {
 public:
  using Emit = std::function<void(const Event&)>;

  // `last_event_id`: the id in force before the first event (what the first request sent as Last-Event-ID).
  FrameNormalizer(Emit emit, std::string last_event_id);

  void event(const ParsedEvent& e);
  void retry(std::uint64_t ms);
  void comment(std::string_view text);  // as the parser gives it: without the ':', a leading space kept
  // At the end of a response: what is still pending, and an id set by a last block without data.
  void end_of_stream(const std::string& last_event_id);

 private:
  void flush(const std::optional<std::string>& current_id);

  Emit emit_;
  std::string known_id_;
  std::optional<std::uint64_t> pending_retry_;
};

}  // namespace ssetool
