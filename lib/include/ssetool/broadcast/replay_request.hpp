// How many stored events a new client of `ssetool pipe` asks to receive before the live ones: the `replay-last`
// query parameter of its stream request (`/events?replay-last=100`), the per-request form of --replay-last. The
// viewer page asks for recent history this way when it opens; raw clients get the server's --replay-last unless
// they ask. A Last-Event-ID, when there is one, takes precedence (the hub resumes after it instead).
#pragma once

#include <cstddef>
#include <optional>

#include "ssetool/wire/request.hpp"

namespace ssetool {

inline constexpr const char* kReplayLastParam = "replay-last";

// The request's `replay-last` (a whole number, 0 or more; one too large to represent means "all"), or nothing
// when the request does not ask. The hub bounds it by the history (--history). Throws InvalidArgument, naming the
// parameter, when the value is not a whole number.
std::optional<std::size_t> requested_replay_last(const Request& request);

}  // namespace ssetool
