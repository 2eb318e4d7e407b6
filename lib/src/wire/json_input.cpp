// Guards for the JSON that ssetool reads (see wire/json_input.hpp).
#include "ssetool/wire/json_input.hpp"

#include <fmt/format.h>

namespace ssetool {

std::size_t json_too_deep_at(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

std::string json_too_deep_message(std::size_t limit) {
  return fmt::format("arrays and objects nested deeper than {} levels", limit);
}

std::string json_error_message(const std::exception& e) {
  std::string_view what = e.what();
  if (what.starts_with("[json.exception.")) {
    if (std::size_t end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  return std::string(what);
}

std::string json_syntax_reason(const std::exception& e) {
  // nlohmann: "parse error at line 1, column 8: syntax error while parsing object - unexpected string literal;
  // expected '}'", or "...: syntax error while parsing value - invalid literal; last read: '{oops'".
  std::string text = json_error_message(e);
  if (std::size_t colon = text.find(": "); text.starts_with("parse error") && colon != std::string::npos)
    text.erase(0, colon + 2);
  std::string context;
  if (std::size_t dash = text.find(" - "); text.starts_with("syntax error") && dash != std::string::npos) {
    if (text.starts_with("syntax error while parsing ")) context = text.substr(27, dash - 27);
    text.erase(0, dash + 3);
  }
  if (std::size_t quote = text.find("; last read: "); quote != std::string::npos) text.erase(quote);
  // After a member or an element, nlohmann names only the closing bracket; a ',' would do as well.
  if (context == "object" && text.ends_with("expected '}'")) text.replace(text.size() - 3, 3, "',' or '}'");
  if (context == "array" && text.ends_with("expected ']'")) text.replace(text.size() - 3, 3, "',' or ']'");
  if (text.starts_with("unexpected ") && text.find("; expected ") != std::string::npos &&
      !text.starts_with("unexpected end of input"))
    text.erase(0, text.find("; expected ") + 2);  // "unexpected number literal; expected ..." says no more
  return text;
}

}  // namespace ssetool
