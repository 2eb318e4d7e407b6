// The body of a control API push (POST /_ssetool/push): the events to write into open streams, as SSE text or as
// NDJSON, checked strictly and encoded once. A mistake refuses the whole push, naming its line.
//
//   SSE text (any Content-Type but JSON): blocks up to a blank line, the rules of a recording (replay/sse_text.hpp).
//   NDJSON (Content-Type application/x-ndjson, application/jsonl or application/json): one JSON value per line,
//     blank lines skipped; an object with only the keys data (a string, or any JSON value sent as compact JSON),
//     event, id (strings) and retry (milliseconds) is that event; any other value is one event whose data is the
//     value as compact JSON. An event type or id with CR or LF (or an id with NUL) is refused: it would add fields.
#pragma once

#include <string>
#include <vector>

#include "ssetool/wire/frame.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

// True when the request's Content-Type says NDJSON (see above).
bool is_ndjson_body(const Request& request);

// The encoded events of a push body, in order. Throws InvalidArgument "push body:LINE: what is wrong" (also when
// there is no event at all).
std::vector<Frame> parse_pushed_events(const std::string& body, bool ndjson);

}  // namespace ssetool
