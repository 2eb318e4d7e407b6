// Plain SSE text as a recording for `ssetool replay`: checked strictly, because a recording is not a live stream
// and a typo in it should stop the mock at start-up rather than be silently ignored as a browser would.
//
// The rules: lines end at CRLF, LF or CR; one leading BOM is allowed; the text is valid UTF-8; each line is blank, a
// ':' comment, or one of the fields data, event, id, retry ("name: value", or "name" alone); retry is all ASCII
// digits; id holds no NUL; a block (the lines up to a blank line) with `event` has `data` too; the last block ends
// with a blank line; there is at least one block. Each block then goes through the library Parser and becomes one
// item (one write), without a recorded time: --interval paces them.
#pragma once

#include <string>
#include <string_view>

#include "ssetool/replay/recording.hpp"

namespace ssetool {

// Throws InvalidArgument "NAME:LINE: what is wrong".
ReplayResponse parse_sse_recording(std::string_view text, const std::string& name);

}  // namespace ssetool
