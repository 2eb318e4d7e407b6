// Tapes: recordings of SSE responses, with timing, that `ssetool listen --record` writes and `ssetool replay`
// plays back. This header defines the format (version 1), a writer and a validating reader.
//
// THE TAPE FORMAT, VERSION 1
//
// A tape is a UTF-8 text file of newline-delimited JSON: one JSON object per line. Blank lines are ignored.
// A line is one of four kinds, told apart by its keys:
//
//   Header: starts a response.
//     {"tape":1,"status":200,"headers":[["Content-Type","text/event-stream"]],"method":"GET",
//      "url":"http://localhost:8080/events","last_event_id":"41","started":"2024-05-01T12:00:00.000Z"}
//     "tape"           required; the format version, the integer 1. Other versions are refused.
//     "status"         the HTTP status, an integer from 100 to 599; default 200.
//     "headers"        the response headers: an array of [name, value] pairs (in order, repeats allowed) or an
//                      object {"name": "value"}. Names non-empty; no CR or LF anywhere.
//     "method", "url", "last_event_id", "started"
//                      strings, informational: the request that got this response (its method, URL and the
//                      Last-Event-ID it sent; absent when none was sent) and when the response began (RFC 3339, UTC).
//
//   Event: one frame of the stream.
//     {"t":12.5,"event":"update","id":"42","retry":3000,"data":"line 1\nline 2"}
//     {"t":15000,"comment":"keep-alive"}
//     "event"          the event type (no CR or LF). Absent: the default type, "message".
//     "id"             the event id (no CR, LF or NUL); "" resets the client's last event id.
//     "retry"          the reconnection time, an integer number of milliseconds.
//     "data"           the payload, a string; LF separates its lines. Absent: a frame without data lines (one
//                      that carries only an id, a retry or a comment and dispatches no event).
//     "comment"        a comment, without the leading colon and the one space after it; LF separates lines.
//     At least one of these five. The frame a line stands for is what ssetool's encoder writes for it: comment
//     lines (": text"), then "event:", "id:", "retry:", one "data:" line per payload line, then a blank line.
//
//   Bytes: body bytes exactly as they arrived in one read.
//     {"t":12.5,"bytes":"data: hi\n\n"}
//     {"t":13,"bytes_base64":"ZGF0YTog/w=="}
//     "bytes" when the bytes are valid UTF-8, else "bytes_base64" (RFC 4648 standard alphabet, with padding).
//
//   End: how the response ended; at most one, the last line of its response.
//     {"t":30000,"end":"complete"}
//     "complete"       the server ended the response;
//     "dropped"        the connection broke (a network error, or a chunked body without its final chunk);
//     "stopped"        the recorder stopped listening while the response was still open.
//
//   "t", on every kind but the header, is the time since the start of the response (when its headers arrived)
//   in milliseconds: a number >= 0, fractions allowed (microsecond resolution). It never decreases within a
//   response. It may be absent: that line has no recorded time and a player paces it as it likes.
//
// Responses and reconnections. Every header line starts a new response; lines before the first header form one
// response with status 200 and no recorded headers. A recording that reconnected therefore holds one header per
// connection, each starting its own clock at t=0.
//
// Events or bytes. A response with bytes lines is played from them, byte for byte and chunk for chunk; its event
// lines are then annotations (what the recorder's parser made of the bytes; tools may count them). A response
// without bytes lines is played by encoding its event lines. `ssetool listen --record` writes event lines, and bytes
// lines as well with --record-bytes.
//
// Unknown keys, and lines that mix kinds, are errors: a typo never passes silently. A later version that adds keys
// gets a new "tape" number. A file is taken for a tape when its first non-blank character is "{" (an SSE stream
// cannot start with one meaningfully: it would be a field named "{...").
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ssetool/wire/event.hpp"
#include "ssetool/wire/headers.hpp"

namespace ssetool {

inline constexpr int kTapeVersion = 1;

// What a header line carries.
struct TapeHeader {
  int status = 200;
  Headers headers;
  std::optional<std::string> method;
  std::optional<std::string> url;
  std::optional<std::string> last_event_id;
  std::optional<std::string> started;

  bool operator==(const TapeHeader&) const = default;
};

enum class TapeEnd { complete, dropped, stopped };

// One event line or bytes line.
struct TapeItem {
  enum class Kind { event, bytes };
  Kind kind = Kind::event;
  std::optional<std::chrono::microseconds> at;  // "t"; nullopt when the line has none
  Event event;                                  // kind == event
  std::string bytes;                            // kind == bytes, decoded
  std::size_t line = 0;                         // line number in the file (1-based), for messages
};

// One response: a header (explicit or implied) and the lines that follow it.
struct TapeResponse {
  TapeHeader header;
  std::size_t line = 0;  // line number of the header; 0 for the implied response before the first header
  std::vector<TapeItem> items;
  std::optional<TapeEnd> end;
  std::optional<std::chrono::microseconds> end_at;

  // True when the response is to be played from its bytes lines (see "Events or bytes" above).
  bool has_bytes() const;
};

struct Tape {
  std::vector<TapeResponse> responses;
};

// Reads and validates a whole tape. Throws InvalidArgument "FILE:LINE: what is wrong" for the first invalid line,
// or "FILE: cannot read: reason" when the file cannot be read.
Tape read_tape(const std::string& path);

// The same, from text in memory; `name` stands for the file name in messages.
Tape parse_tape(std::string_view text, const std::string& name);

// True when `start_of_file` (its first bytes) looks like a tape rather than SSE text: its first non-blank
// character is '{'.
bool looks_like_tape(std::string_view start_of_file);

// The RFC 3339 UTC form used for "started", with milliseconds: "2024-05-01T12:00:00.000Z".
std::string tape_timestamp(std::chrono::system_clock::time_point when);

// Writes a tape line by line, flushing each line so a recording survives a crash or a kill. Not thread-safe.
class TapeWriter {
 public:
  // Creates or truncates `path`. Throws SystemError when it cannot be opened.
  explicit TapeWriter(const std::string& path);
  ~TapeWriter();
  TapeWriter(const TapeWriter&) = delete;
  TapeWriter& operator=(const TapeWriter&) = delete;

  // Each writes one line; `t` is the time since the start of the current response. Throw SystemError when the
  // file cannot be written; event() throws InvalidEvent for an event that cannot be encoded.
  void header(const TapeHeader& header);
  void event(std::chrono::microseconds t, const Event& event);
  void bytes(std::chrono::microseconds t, std::string_view bytes);
  void end(std::chrono::microseconds t, TapeEnd how);

 private:
  void write_line(const std::string& line);

  std::string path_;
  std::FILE* file_ = nullptr;
};

// Spelling of TapeEnd in a tape ("complete", "dropped", "stopped").
std::string_view to_string(TapeEnd how);

}  // namespace ssetool
