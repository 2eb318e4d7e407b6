// The body of an HTTP publish request (`POST <path>` with pipe's --publish) turned into events, by its
// Content-Type, through the same decoders as pipe's input:
//   text/plain (or none, or curl's default application/x-www-form-urlencoded) → one event per line (`lines`)
//   application/x-ndjson, application/json    → the NDJSON mapping (one JSON value per line)
//   text/event-stream                         → SSE text
// Every event is validated before any is accepted (all or nothing): a field that cannot be sent (CR or LF in
// `event` or `id`...) refuses the whole body, naming its line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/event.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

// A publish body refused: `status` is 400 (a bad line, no event) or 415 (a Content-Type not listed above).
struct PublishRefused : InvalidArgument {
  PublishRefused(int http_status, const std::string& what) : InvalidArgument(what), status(http_status) {}
  int status;
};

// The events of the body, in order. `event_type` is given to events without one (lines and ndjson, as --event).
// Throws PublishRefused: "line 3: ..." for a line that cannot be decoded or an event that cannot be sent.
std::vector<Event> decode_publish_body(const Request& request, const std::optional<std::string>& event_type);

}  // namespace ssetool
