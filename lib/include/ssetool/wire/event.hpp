// The Event value and its encoder: one event becomes one text/event-stream frame, exactly as the WHATWG
// "server-sent events" section expects a server to emit it (see shared/notes/sse-wire-format.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssetool {

struct Event {
  std::string data;                    // payload; CR, LF and CRLF split it into `data:` lines
  std::optional<std::string> type;     // `event:` field; no CR/LF allowed
  std::optional<std::string> id;       // `id:` field; no CR/LF/NUL allowed; "" resets the client's id
  std::optional<std::uint64_t> retry;  // `retry:` field, milliseconds
  std::vector<std::string> comments;   // `:` lines, written before the fields
  bool has_data = true;                // false: a frame without data lines (comments/retry/id only)

  bool operator==(const Event&) const = default;
};

// Checks that `e` can be encoded; throws InvalidEvent naming the field otherwise: "event" (CR or LF in the type),
// "id" (CR, LF or NUL in the id), "data" (has_data is false but data is not empty).
void validate(const Event& e);

// Encodes one event into one frame. Lines in this order: comments (": text", each split on line breaks), then
// "event: type", "id: id", "retry: n", one "data: line" per line of the payload (split on CRLF, CR and LF; an empty
// payload is one empty data line; none at all when has_data is false), then the blank line. Throws InvalidEvent.
// Every value is written after ": " so a leading space survives the parser.
std::string encode(const Event& e);

// Encodes a comment-only frame (": text\n\n"), the text split on line breaks like data (": a\n: b\n\n").
std::string encode_comment(std::string_view text);

}  // namespace ssetool
