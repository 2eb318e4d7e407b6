// Guards for the JSON that ssetool reads (tapes, routes files, NDJSON input). nlohmann::json parses any depth, but
// dumping or comparing a value recurses once per level, so a hostile line of 100,000 '[' would overflow the stack:
// text nested deeper than kMaxJsonDepth is refused before it is parsed. And every exception the library throws
// (a syntax error, a number such as 1e999 out of range, invalid UTF-8...) is turned into a short message that the
// reader puts after its own FILE:LINE.
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>

namespace ssetool {

// Arrays and objects nested deeper than this are refused (documented in ssetool(1), "Limits and security").
inline constexpr std::size_t kMaxJsonDepth = 512;

// The offset of the first '[' or '{' (outside strings) that opens level limit + 1, or npos when there is none.
std::size_t json_too_deep_at(std::string_view text, std::size_t limit = kMaxJsonDepth);

// "nested deeper than 512 levels": what a reader says about such text.
std::string json_too_deep_message(std::size_t limit = kMaxJsonDepth);

// The message of a nlohmann::json exception without its "[json.exception.KIND.N] " prefix.
std::string json_error_message(const std::exception& e);

// What a nlohmann::json parse_error says is wrong, short and without the input it quotes: "expected ',' or '}'",
// "unexpected end of input; expected ',' or ']'", "invalid literal". The caller says where (the error's byte).
std::string json_syntax_reason(const std::exception& e);

}  // namespace ssetool
