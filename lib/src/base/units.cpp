// Parsing of durations and sizes given on the command line (see base/units.hpp).
#include "ssetool/base/units.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

struct NumberAndUnit {
  double number;
  std::string_view unit;
};

NumberAndUnit split_number(std::string_view text, const char* what) {
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0) throw InvalidArgument(std::string("invalid ") + what + " '" + std::string(text) + "'");
  double number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, number);
  if (ec != std::errc() || ptr != text.data() + i || !std::isfinite(number))
    throw InvalidArgument(std::string("invalid ") + what + " '" + std::string(text) + "'");
  return {number, text.substr(i)};
}

}  // namespace

std::chrono::microseconds parse_duration(std::string_view text) {
  auto [number, unit] = split_number(text, "duration");
  double scale = 0;
  if (unit == "us") scale = 1;
  else if (unit == "ms") scale = 1e3;
  else if (unit == "s") scale = 1e6;
  else if (unit == "m") scale = 60e6;
  else if (unit == "h") scale = 3600e6;
  else if (unit.empty() && number == 0) scale = 1;
  else
    throw InvalidArgument("invalid duration '" + std::string(text) + "' (give a unit: 250ms, 15s, 2m)");
  double us = number * scale;
  if (us > 1e15) throw InvalidArgument("duration '" + std::string(text) + "' is too large");
  return std::chrono::microseconds(static_cast<std::int64_t>(std::llround(us)));
}

std::uint64_t parse_size(std::string_view text) {
  auto [number, unit] = split_number(text, "size");
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "KiB" || unit == "K" || unit == "KB" || unit == "k") scale = 1024.0;
  else if (unit == "MiB" || unit == "M" || unit == "MB") scale = 1024.0 * 1024;
  else if (unit == "GiB" || unit == "G" || unit == "GB") scale = 1024.0 * 1024 * 1024;
  else throw InvalidArgument("invalid size '" + std::string(text) + "' (use bytes, KiB, MiB or GiB)");
  double bytes = number * scale;
  if (bytes > 1e18) throw InvalidArgument("size '" + std::string(text) + "' is too large");
  return static_cast<std::uint64_t>(std::llround(bytes));
}

}  // namespace ssetool
