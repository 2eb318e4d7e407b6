// Request look-ups and Reply constructors (see request.hpp).
#include "ssetool/request.hpp"

#include <algorithm>

namespace ssetool {

bool header_name_equals(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string> Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (header_name_equals(key, name)) return value;
  return std::nullopt;
}

std::optional<std::string> Request::param(std::string_view name) const {
  for (const auto& [key, value] : query)
    if (key == name) return value;
  return std::nullopt;
}

Reply Reply::text(int status, std::string body) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

Reply Reply::stream(std::function<void(Session&)> open) {
  Reply reply;
  reply.open_stream = std::move(open);
  reply.content_type = "text/event-stream";
  return reply;
}

}  // namespace ssetool
