// The viewer page served at GET / by `ssetool pipe`: one self-contained HTML page compiled into the binary.
#pragma once

#include <string>

#include "ssetool/request.hpp"

namespace ssetool::cli {

// The page, configured to connect to `events_path`.
Reply viewer_reply(const std::string& events_path);

}  // namespace ssetool::cli
