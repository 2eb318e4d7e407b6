// `listen -o ndjson`: one JSON object per event and line (JSON Lines), safe for every reader of them:
//
//   {"time":"2026-11-28T16:31:10.123Z","event":"message","data":"hi","id":"7"}     ("retry":N when the block had one)
//
// `time` is when the event was received (UTC, milliseconds). Invalid UTF-8 in a field is replaced by U+FFFD, and
// U+2028/U+2029 (valid JSON, but line breaks to JavaScript and to some line readers) are written as \u2028 and
// \u2029, so a line never breaks anywhere but at its end.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "ssetool/wire/parser.hpp"

namespace ssetool {

// The line, without its newline.
std::string ndjson_line(const ParsedEvent& e, std::chrono::system_clock::time_point received);

// "2026-11-28T16:31:10.123Z".
std::string utc_millis(std::chrono::system_clock::time_point t);

// `json` with every U+2028 and U+2029 written as an escape (they can only be inside its strings).
std::string escape_line_separators(std::string json);

}  // namespace ssetool
