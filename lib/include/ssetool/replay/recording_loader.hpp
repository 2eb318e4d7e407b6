// Loading a recording for `ssetool replay` from a file or from text: a plain SSE text file (replay/sse_text.hpp)
// or a tape (wire/tape.hpp), checked once at start-up and turned into a Recording (replay/recording.hpp).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ssetool/replay/recording.hpp"

namespace ssetool {

// Reads and checks a recording. A file whose first non-blank character is '{' is a tape, anything else SSE text.
// Throws InvalidArgument "FILE:LINE: what is wrong" (or "FILE: cannot read: reason").
std::shared_ptr<const Recording> load_recording(const std::string& path);

// The same from text in memory; `name` stands for the file name in messages.
std::shared_ptr<const Recording> parse_recording(std::string_view text, const std::string& name);

}  // namespace ssetool
