// Per-client log lines (see server/client_log.hpp).
#include "ssetool/server/client_log.hpp"

#include <fmt/core.h>

namespace ssetool {
namespace {

// A value from the request made safe for one log line: printable ASCII kept, every other byte as \xNN.
std::string printable(const std::string& text) {
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\') out += fmt::format("\\x{:02x}", byte);
    else out += c;
  }
  return out;
}

}  // namespace

std::string client_label(const Request& request) {
  return fmt::format("{}:{} {} {}", request.remote_addr, request.remote_port, printable(request.method),
                     printable(request.path));
}

std::string client_connected_line(const Request& request, bool detailed) {
  std::string line = client_label(request) + ": connected";
  if (detailed)
    if (auto last = request.last_event_id()) line += " (resuming after Last-Event-ID " + printable(*last) + ")";
  return line;
}

std::string end_reason(SessionEnd end, bool shutting_down) {
  switch (end) {
    case SessionEnd::clean: return shutting_down ? "server shutting down" : "stream ended";
    case SessionEnd::peer_gone: return "client went away";
    case SessionEnd::slow: return "dropped: slow client";
    case SessionEnd::aborted: return shutting_down ? "cut: grace period over" : "cut by the server";
    case SessionEnd::write_error: return "write error";
  }
  return "?";
}

std::string client_closed_line(const Request& request, const StreamSummary& summary, bool detailed) {
  std::string bytes = detailed ? fmt::format(", {} bytes", summary.bytes) : "";
  return fmt::format("{}: closed after {:.1f}s, {} event{}{} ({})", client_label(request), summary.lasted.count(),
                     summary.events, summary.events == 1 ? "" : "s", bytes,
                     end_reason(summary.end, summary.shutting_down));
}

}  // namespace ssetool
