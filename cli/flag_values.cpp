// Checked counts, sizes and durations of flags (see flag_values.hpp).
#include "flag_values.hpp"

#include <charconv>

#include "ssetool/base/errors.hpp"
#include "ssetool/base/units.hpp"

namespace ssetool::cli {

std::uint64_t count_flag(const char* flag, const std::string& text, std::uint64_t min) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits && ec == std::errc::result_out_of_range)
    throw InvalidArgument(std::string(flag) + " " + text + ": too large");
  if (!digits || ec != std::errc() || ptr != text.data() + text.size())
    throw InvalidArgument(std::string(flag) + " " + text + ": must be a whole number >= " + std::to_string(min));
  if (value < min) throw InvalidArgument(std::string(flag) + " " + text + ": must be at least " + std::to_string(min));
  return value;
}

std::uint64_t size_flag(const char* flag, const std::string& text, std::uint64_t min) {
  std::uint64_t bytes = 0;
  try {
    bytes = parse_size(text);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(flag) + ": " + e.what());
  }
  if (bytes < min)
    throw InvalidArgument(std::string(flag) + " " + text + ": must be at least " + std::to_string(min) + " byte" +
                          (min == 1 ? "" : "s"));
  return bytes;
}

std::chrono::microseconds duration_flag(const char* flag, const std::string& text, bool zero_allowed) {
  std::chrono::microseconds duration{0};
  try {
    duration = parse_duration(text);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(flag) + ": " + e.what());
  }
  if (!zero_allowed && duration.count() == 0)
    throw InvalidArgument(std::string(flag) + " " + text + ": must be more than 0");
  return duration;
}

}  // namespace ssetool::cli
