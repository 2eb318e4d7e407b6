// What `ssetool bench` reads out of each event: the send timestamp at the start of its data, and a numeric
// event id.
//
// THE SEND-TIMESTAMP CONVENTION (written by `ssetool pipe --stamp`, read by `ssetool bench`): an event's data
// begins with '@', the send time as decimal microseconds since the Unix epoch (CLOCK_REALTIME), and one space:
//     data: @1714560000123456 the original payload
// Anything else (no '@', no digits, more than 19 digits, no space after them) carries no stamp.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ssetool {

// The send time in epoch microseconds when `data` begins with a stamp; nullopt otherwise.
std::optional<std::uint64_t> parse_send_stamp(std::string_view data);

// The id as a number when it is all decimal digits (1 to 19 of them); nullopt otherwise.
std::optional<std::uint64_t> parse_numeric_id(std::string_view id);

// Now, in microseconds since the Unix epoch (CLOCK_REALTIME): the receive time to compare a stamp with.
std::uint64_t realtime_micros();

}  // namespace ssetool
