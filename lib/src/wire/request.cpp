// Request look-ups (see wire/request.hpp).
#include "ssetool/wire/request.hpp"

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

}  // namespace ssetool
