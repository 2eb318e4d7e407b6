// Header name comparison and look-up (see wire/headers.hpp).
#include "ssetool/wire/headers.hpp"

#include <algorithm>

namespace ssetool {

bool header_name_equals(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (header_name_equals(key, name)) return value;
  return std::nullopt;
}

}  // namespace ssetool
