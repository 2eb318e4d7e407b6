// Input formats: turn lines of input (stdin, a file, a child's stdout) into events.
//   lines  — each line is one event's data (invalid UTF-8 replaced by U+FFFD)
//   ndjson — each line is a JSON value; an object with event/data/id/retry/comment maps onto those fields
//            (a non-string data is sent as compact JSON, keys in their input order); any other value is sent
//            whole as compact JSON
//   sse    — the input is text/event-stream, parsed by the library parser (so it can never corrupt output)
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/event.hpp"

namespace ssetool {

// A line rejected at a known place: `column` is the 1-based byte of the line where the problem was seen.
struct InvalidLine : InvalidArgument {
  InvalidLine(std::size_t at, const std::string& what) : InvalidArgument(what), column(at) {}
  std::size_t column;
};

enum class InputFormat { lines, ndjson, sse };

// "lines", "ndjson" or "sse". Throws InvalidArgument.
InputFormat parse_input_format(const std::string& name);

class EventDecoder {
 public:
  virtual ~EventDecoder() = default;
  // One input line, without its line terminator. Appends the events it completes to `out`.
  // Throws InvalidArgument describing what is wrong with the line (the caller adds where it was); InvalidLine
  // when the place in the line is known (a JSON syntax error).
  virtual void line(std::string_view text, std::vector<Event>& out) = 0;
  // End of input.
  virtual void finish(std::vector<Event>&) {}
  // True while an event has begun but is not complete (SSE: data without its blank line yet).
  virtual bool event_pending() const { return false; }

  // `event_type` is the type given to events that carry none (lines format only: -e/--event).
  static std::unique_ptr<EventDecoder> create(InputFormat format, std::optional<std::string> event_type = {});
};

}  // namespace ssetool
