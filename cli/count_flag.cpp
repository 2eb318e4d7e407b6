// Counts given on the command line, checked (see count_flag.hpp).
#include "count_flag.hpp"

#include <charconv>

#include "ssetool/base/errors.hpp"

namespace ssetool::cli {

std::uint64_t count_flag(const std::string& flag, const std::string& text, std::uint64_t minimum) {
  const std::string at_least = flag + ": must be at least " + std::to_string(minimum);
  if (!text.empty() && text[0] == '-' && text.find_first_not_of("0123456789", 1) == std::string::npos &&
      text.size() > 1)
    throw InvalidArgument(at_least);
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [next, error] = std::from_chars(text.data(), end, value);
  if (error == std::errc::result_out_of_range) throw InvalidArgument(flag + ": '" + text + "' is too large");
  if (text.empty() || error != std::errc() || next != end)
    throw InvalidArgument(flag + ": '" + text + "' is not a whole number");
  if (value < minimum) throw InvalidArgument(at_least);
  return value;
}

}  // namespace ssetool::cli
