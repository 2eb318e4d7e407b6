// Incremental text/event-stream parser: fed arbitrary chunks of bytes, it reports exactly the events a
// browser's EventSource would dispatch (WHATWG HTML 9.2.5/9.2.6), plus retry values and comments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ssetool {

// One dispatched event, as EventSource would see it.
struct ParsedEvent {
  std::string type = "message";          // the `event` field, or "message"
  std::string data;                      // data lines joined by LF, the trailing LF removed
  std::string last_event_id;             // the last event id in force when the event was dispatched
  bool id_in_block = false;              // true when this event's own block carried an `id` field
  std::optional<std::uint64_t> retry;    // a valid `retry` field seen in this event's block, if any
};

struct ParserLimits {
  std::size_t max_line = 1 << 20;        // bytes in one line (default 1 MiB)
  std::size_t max_event = 16 << 20;      // bytes of data in one event (default 16 MiB)
};

class Parser {
 public:
  struct Callbacks {
    std::function<void(ParsedEvent&&)> on_event;       // a dispatched event
    std::function<void(std::uint64_t)> on_retry;       // a valid retry field (milliseconds)
    std::function<void(std::string_view)> on_comment;  // a comment line, without the leading ':'
  };

  explicit Parser(Callbacks callbacks, ParserLimits limits = {});

  // Feeds the next bytes of the stream. Throws LimitExceeded when a line or an event exceeds its limit.
  void feed(std::string_view bytes);

  // End of stream: an event without its terminating blank line is discarded (its id does not take effect).
  void finish();

  // Starts a new stream (a reconnection): buffers and BOM state reset; the last event id persists.
  void restart();

  const std::string& last_event_id() const { return last_event_id_; }
  void set_last_event_id(std::string id) { last_event_id_ = std::move(id); }

 private:
  void process_line(std::string_view line);
  void process_field(std::string_view name, std::string_view value);
  void dispatch();

  Callbacks callbacks_;
  ParserLimits limits_;
  std::string line_;            // the current line, still incomplete
  std::string utf8_pending_;    // an incomplete UTF-8 sequence at the end of the last chunk
  bool saw_cr_ = false;         // the last byte was a CR: a following LF belongs to it
  bool at_stream_start_ = true; // nothing decoded yet: a leading BOM is still to be stripped
  std::string data_;
  std::string type_;
  std::string last_event_id_;
  std::string pending_id_;      // id for the event being built (takes effect at dispatch)
  bool pending_id_set_ = false;
  std::optional<std::uint64_t> retry_;
};

}  // namespace ssetool
