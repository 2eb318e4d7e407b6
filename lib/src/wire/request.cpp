// Request look-ups (see wire/request.hpp).
#include "ssetool/wire/request.hpp"

#include "ssetool/wire/percent_decoding.hpp"

namespace ssetool {

std::optional<std::string> Request::header(std::string_view name) const { return find_header(headers, name); }

std::optional<std::string> Request::param(std::string_view name) const {
  for (const auto& [key, value] : query)
    if (key == name) return value;
  return std::nullopt;
}

std::optional<std::string> Request::last_event_id() const {
  if (auto h = header("Last-Event-ID")) return h;
  return param("lastEventId");
}

std::string remove_query_parameter(std::string_view query, std::string_view name) {
  std::string out;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (percent_decode(piece.substr(0, piece.find('=')), true) == name) continue;
    if (!out.empty()) out += '&';
    out += piece;
  }
  return out;
}

}  // namespace ssetool
