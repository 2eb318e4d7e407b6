// HTTP header (and query parameter) lists: the one type every part uses for name/value pairs kept in order,
// and the case-insensitive name comparison HTTP asks for.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssetool {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive ASCII comparison of header names.
bool header_name_equals(std::string_view a, std::string_view b);

// The value of the first header named `name` (case-insensitive).
std::optional<std::string> find_header(const Headers& headers, std::string_view name);

}  // namespace ssetool
