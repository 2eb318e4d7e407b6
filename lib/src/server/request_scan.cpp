// Request completeness check (see server/request_scan.hpp).
#include "ssetool/server/request_scan.hpp"

#include <charconv>
#include <string>

#include "ssetool/wire/headers.hpp"

namespace ssetool {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

RequestScan scan_request(std::string_view received, std::size_t max_header_bytes, std::size_t max_body_bytes) {
  std::size_t end = received.find("\r\n\r\n");
  std::size_t body_start = end == std::string_view::npos ? end : end + 4;
  if (end == std::string_view::npos) {
    end = received.find("\n\n");
    body_start = end == std::string_view::npos ? end : end + 2;
  }
  if (end == std::string_view::npos)
    return received.size() > max_header_bytes ? RequestScan::headers_too_large : RequestScan::incomplete;
  if (end > max_header_bytes) return RequestScan::headers_too_large;

  std::string_view head = received.substr(0, end);
  std::size_t content_length = 0;
  std::size_t pos = head.find('\n');
  while (pos != std::string_view::npos) {
    std::size_t next = head.find('\n', pos + 1);
    std::string_view line = head.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
      if (header_name_equals(name, "Transfer-Encoding")) return RequestScan::complete;  // read by the worker
      if (header_name_equals(name, "Content-Length")) {
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), content_length);
        if (ec != std::errc()) return RequestScan::complete;  // httplib answers 400
      }
    }
    pos = next;
  }
  if (content_length > max_body_bytes) return RequestScan::body_too_large;
  return received.size() - body_start >= content_length ? RequestScan::complete : RequestScan::incomplete;
}

}  // namespace ssetool
