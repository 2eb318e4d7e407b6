// The `replay-last` query parameter of a stream request (see broadcast/replay_request.hpp).
#include "ssetool/broadcast/replay_request.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>
#include <string>

#include "ssetool/base/errors.hpp"

namespace ssetool {

std::optional<std::size_t> requested_replay_last(const Request& request) {
  std::optional<std::string> value = request.param(kReplayLastParam);
  if (!value) return std::nullopt;
  bool digits = !value->empty() && std::all_of(value->begin(), value->end(),
                                               [](unsigned char c) { return std::isdigit(c) != 0; });
  if (!digits)
    throw InvalidArgument(std::string("the query parameter ") + kReplayLastParam +
                          " must be a whole number of events (0 or more)");
  std::size_t n = 0;
  auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (error == std::errc::result_out_of_range) return std::numeric_limits<std::size_t>::max();
  return n;
}

}  // namespace ssetool
