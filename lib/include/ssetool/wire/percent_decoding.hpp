// Percent-decoding of URL paths and query strings (RFC 3986 %XX escapes), shared by every part that reads a
// request target itself instead of through cpp-httplib.
#pragma once

#include <string>
#include <string_view>

#include "ssetool/wire/headers.hpp"

namespace ssetool {

// Decodes every valid %XX escape; an invalid or cut-off one stays as it is. With `plus_as_space` (query strings,
// form encoding) '+' becomes ' '; in a path it stays '+'.
std::string percent_decode(std::string_view text, bool plus_as_space);

// The parameters of a query string (the part of a target after '?'), decoded, in order: "a=1&b&c=x+y" gives
// a=1, b="", c="x y". Empty pieces ("a=1&&b=2") are skipped. Only the URL's query: a form body stays a body.
Headers decode_query(std::string_view query);

}  // namespace ssetool
