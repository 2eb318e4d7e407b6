// Recordings for `ssetool replay`: a plain SSE text file or a tape (tape.hpp), loaded and checked once at
// start-up and turned into what a player needs: per response, the list of writes with their recorded times,
// which of them complete an event (for --drop-after, --stall-after and Last-Event-ID resume), and the event
// itself so that a later --loop pass can send it again with a new id. Nothing here is invalid at play time: every
// error is found while loading and reported as "FILE:LINE: what is wrong".
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssetool/wire/event.hpp"
#include "ssetool/wire/frame.hpp"
#include "ssetool/wire/headers.hpp"
#include "ssetool/wire/parser.hpp"

namespace ssetool {

// Recordings are trusted input read once: larger parser limits than a live client's (a line up to 16 MiB, one
// event's data up to 64 MiB).
inline const ParserLimits kRecordingParserLimits{16u << 20, 64u << 20};

// One write of a recorded stream.
struct ReplayItem {
  std::optional<std::chrono::microseconds> at;  // since the start of the response; nullopt: paced by --interval
  Frame bytes;                                  // written as is (one encoded event, or recorded raw bytes)
  // The event this item completes: an event frame itself (also frames without data: comments, retry, a lone id),
  // or, in a bytes recording, the event the parser dispatched at the end of these bytes.
  std::optional<Event> event;
  bool dispatches = false;            // the client dispatches an event at the end of this item
  std::optional<std::string> last_id;  // with dispatches: the client's last event id after it
  bool joined = false;  // a bytes recording: the rest of the same recorded read as the item before (sent with it)
};

// One recorded response: a stream of items, or a short response (a recorded error, a non-SSE body).
struct ReplayResponse {
  int status = 200;
  Headers headers;                 // recorded headers worth sending again (hop-by-hop and framing ones dropped)
  bool is_stream = true;
  std::string content_type;        // short responses
  std::string body;                // short responses
  std::vector<ReplayItem> items;   // streams
  std::optional<std::chrono::microseconds> end_at;  // when the original response ended, if recorded
  bool ends_abruptly = false;      // the original connection broke: play it back the same way
  bool from_bytes = false;         // items are recorded raw bytes rather than encoded events
  std::uint64_t max_numeric_id = 0;  // the largest all-digits id: --loop shifts ids by it on each pass
  std::size_t event_count = 0;
  std::size_t line = 0;            // where the response starts in its file (tapes), for messages
};

struct Recording {
  std::string path;
  bool is_tape = false;
  std::vector<ReplayResponse> responses;  // never empty; a tape that reconnected has one per connection
};

// True when `id` is 1 to 19 ASCII digits: such ids are numbers, shifted on each --loop pass.
bool is_numeric_id(std::string_view id);

}  // namespace ssetool
