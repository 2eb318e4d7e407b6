// The viewer page served at GET / by `ssetool pipe` and `ssetool serve`: one self-contained HTML page compiled into
// the binary (viewer_html.cpp), configured per response with the stream's path. The page reads the stream itself
// (fetch and its own SSE parser), so it shows events of every type with no configuration.
#pragma once

#include <string>

#include "ssetool/server/reply.hpp"

namespace ssetool {

// The page, configured to connect to `events_path`.
Reply viewer_reply(const std::string& events_path);

}  // namespace ssetool
