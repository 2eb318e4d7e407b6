// Reading send timestamps and numeric ids out of events (see bench/stamp.hpp).
#include "ssetool/bench/stamp.hpp"

#include <time.h>

namespace ssetool {
namespace {

constexpr std::size_t kMaxDigits = 19;  // every 19-digit number fits in 64 bits

// The decimal number made of all of `digits`; nullopt when empty, too long or not all digits.
std::optional<std::uint64_t> parse_digits(std::string_view digits) {
  if (digits.empty() || digits.size() > kMaxDigits) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

std::optional<std::uint64_t> parse_send_stamp(std::string_view data) {
  if (data.empty() || data[0] != '@') return std::nullopt;
  std::size_t space = data.find(' ', 1);
  if (space == std::string_view::npos) return std::nullopt;
  return parse_digits(data.substr(1, space - 1));
}

std::optional<std::uint64_t> parse_numeric_id(std::string_view id) { return parse_digits(id); }

std::uint64_t realtime_micros() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace ssetool
