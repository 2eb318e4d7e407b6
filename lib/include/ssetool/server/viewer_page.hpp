// The viewer page served at GET / by `ssetool pipe` and `ssetool serve`: one self-contained HTML page compiled into
// the binary (viewer_html.cpp), configured per response with the stream's path and the event types to listen to.
#pragma once

#include <string>
#include <vector>

#include "ssetool/server/reply.hpp"

namespace ssetool {

// The page, configured to connect to `events_path`.
Reply viewer_reply(const std::string& events_path);

// The same, also listening for events of these types: EventSource hands a named event only to a listener for that
// name ("message" is always listened to). Pass the `-e NAME` of the server, if any.
Reply viewer_reply(const std::string& events_path, const std::vector<std::string>& event_types);

}  // namespace ssetool
