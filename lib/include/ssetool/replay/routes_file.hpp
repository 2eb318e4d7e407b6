// The routes file of `ssetool replay --routes FILE`: a JSON array of routes; the most specific that matches a
// request answers it, the first of them when several are as specific (replay/route.hpp). Every mistake is
// reported at start-up as "FILE:LINE: route N: what is wrong" (unknown keys included, so a typo never passes).
//
//   [
//     {
//       "name": "chat",
//       "match": {
//         "method": "POST",                       // or ["GET", "POST"]; absent: any
//         "path": "/v1/chat/completions",          // exact, or a prefix ending in "*"; absent: any
//         "query": {"stream": "true"},             // parameters with exactly these values
//         "headers": {"Authorization": "Bearer test"},
//         "body_contains": "\"stream\":true",      // or an array of substrings
//         "json": {"/model": "gpt-4o", "/stream": true},  // JSON pointer -> value in a JSON body
//         "body_regex": "\"role\":\\s*\"tool\""           // or an array: RE2 patterns found in the raw body
//       },
//       "recording": "openai.sse",                 // relative to the routes file's directory
//       "status": 200, "headers": {"x-request-id": "req-1"},
//       "speed": 2, "interval": "10ms", "first_byte_delay": "200ms", "jitter": "5ms", "loop": false,
//       "chunking": "line", "drop_after": 3, "stall_after": 5, "fail_first": 1, "fail_status": 429
//     },
//     {"preset": {"name": "anthropic-messages", "text": "Let me look.", "ttft": "300ms", "tps": 50, "jitter": "20%",
//                 "tool_use": {"name": "get_weather", "input": {"city": "Paris"}}}},
//     {"match": {"path": "/v1/*"}, "status": 429, "body": {"error": {"type": "rate_limit_error"}}}
//   ]
//
// A route answers with its "recording", with a provider "preset" (replay/preset.hpp: "name" is required, "text" or
// "text_file" the answer, "tool_use" for anthropic-messages only; without "match" path and method the route
// answers POST at the preset's path), or else with "status" (default 200) and "body" (a string, sent as
// text/plain, or any other JSON value, sent as application/json; "content_type" overrides). Keys not given take
// the command line's values (--speed, --chunking, ...).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ssetool/replay/route.hpp"

namespace ssetool {

// Reads the routes; each starts as a copy of `defaults` (timing, faults) and takes the file's values over it.
// Recordings are loaded now. Throws InvalidArgument "FILE:LINE: ..." (or a recording's own "FILE:LINE: ...").
std::vector<Route> load_routes_file(const std::string& path, const Route& defaults);

// The same from text; `name` stands for the file name and `base_dir` is where relative recordings are.
std::vector<Route> parse_routes_file(std::string_view text, const std::string& name, const std::string& base_dir,
                                     const Route& defaults);

}  // namespace ssetool
