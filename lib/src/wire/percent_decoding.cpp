// Percent-decoding (see wire/percent_decoding.hpp).
#include "ssetool/wire/percent_decoding.hpp"

namespace ssetool {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+' && plus_as_space) {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

Headers decode_query(std::string_view query) {
  Headers out;
  while (!query.empty()) {
    std::string_view piece = query.substr(0, query.find('&'));
    query.remove_prefix(piece.size() < query.size() ? piece.size() + 1 : query.size());
    if (piece.empty()) continue;
    std::size_t eq = piece.find('=');
    out.emplace_back(percent_decode(piece.substr(0, eq), true),
                     eq == std::string_view::npos ? "" : percent_decode(piece.substr(eq + 1), true));
  }
  return out;
}

}  // namespace ssetool
