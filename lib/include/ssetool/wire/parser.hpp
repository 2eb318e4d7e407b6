// Incremental text/event-stream parser: fed arbitrary chunks of bytes, it reports exactly the events a
// browser's EventSource would dispatch (WHATWG HTML 9.2.5/9.2.6), plus retry values and comments.
//
// Decoding: bytes are UTF-8 whatever the charset, invalid sequences become U+FFFD (Utf8Sanitizer), one BOM is
// stripped at the start of each stream. Lines end at CRLF, LF or CR, also when CR and LF arrive in separate feeds.
//
// Limits (ParserLimits), so that a hostile stream never costs unbounded memory:
//   max_line  (default 32 MiB) bytes in one line, after UTF-8 sanitizing, without its line break. This also bounds
//                              comments, `event` and `id` values.
//   max_event (default 64 MiB) bytes in the data buffer of one event: every data line's value plus one LF each.
// Exceeding one throws LimitExceeded naming it; the stream is then dropped (as by restart()) and should not be fed
// further: a client reconnects, a reader gives up.
//
// Callbacks run inside feed()/finish(); they must not call feed(), finish() or restart() on the same parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ssetool/wire/utf8.hpp"

namespace ssetool {

// One dispatched event, as EventSource would see it.
struct ParsedEvent {
  std::string type = "message";          // the `event` field, or "message"
  std::string data;                      // data lines joined by LF, the trailing LF removed
  std::string last_event_id;             // the last event id in force when the event was dispatched
  bool id_in_block = false;              // true when this event's own block carried an `id` field (not one with NUL)
  std::optional<std::uint64_t> retry;    // a valid `retry` field seen in this event's block, if any

  bool operator==(const ParsedEvent&) const = default;
};

struct ParserLimits {
  std::size_t max_line = 32 << 20;       // bytes in one line (default 32 MiB: above pipe's 16 MiB input lines)
  std::size_t max_event = 64 << 20;      // bytes of data in one event (default 64 MiB)
};

class Parser {
 public:
  struct Callbacks {
    std::function<void(ParsedEvent&&)> on_event;       // a dispatched event
    std::function<void(std::uint64_t)> on_retry;       // a valid retry field (milliseconds), as soon as it is read
    std::function<void(std::string_view)> on_comment;  // a comment line, without the leading ':' (a space stays)
  };

  explicit Parser(Callbacks callbacks, ParserLimits limits = {});

  // Feeds the next bytes of the stream. Throws LimitExceeded when a line or an event exceeds its limit.
  void feed(std::string_view bytes);

  // End of stream: an event without its terminating blank line is discarded (its id does not take effect), and
  // so is an unterminated last line. The parser is then ready for a new stream, as after restart(). Never throws.
  void finish();

  // True while a block with data waits for its blank line: an event that finish() would discard.
  bool event_pending() const { return !data_.empty(); }

  // Starts a new stream (a reconnection): buffers and BOM state reset, anything unterminated is discarded;
  // the last event id persists.
  void restart();

  // The event source's last event id: what a client sends as Last-Event-ID when it reconnects.
  const std::string& last_event_id() const { return last_event_id_; }
  // Sets it, e.g. from the user before the first connection; it also becomes the id of the next events.
  void set_last_event_id(std::string id) {
    id_buffer_ = id;
    last_event_id_ = std::move(id);
  }

 private:
  void split_lines(std::string_view text);
  void append_to_line(std::string_view piece);
  void check_line_length(std::size_t length);
  void process_line(std::string_view line);
  void process_field(std::string_view name, std::string_view value);
  void append_data(std::string_view value);
  void set_retry(std::string_view value);
  void dispatch();
  void reset_block();
  void reset_stream();
  [[noreturn]] void fail(const std::string& message);

  Callbacks callbacks_;
  ParserLimits limits_;
  Utf8Sanitizer utf8_;          // decodes the bytes, keeping back a sequence split between feeds
  std::string decoded_;         // the sanitized text of the current feed
  std::string line_;            // the current line, still incomplete
  bool saw_cr_ = false;         // the last character was a CR: a following LF belongs to it
  bool at_stream_start_ = true; // nothing decoded yet: a leading BOM is still to be stripped
  // The three buffers of WHATWG 9.2.6, plus what this block carried.
  std::string data_;
  std::string type_;
  std::string id_buffer_;       // the "last event ID buffer": set by an id field, made effective at dispatch
  bool id_in_block_ = false;
  std::optional<std::uint64_t> retry_;
  std::string last_event_id_;   // the event source's "last event ID string"
};

}  // namespace ssetool
