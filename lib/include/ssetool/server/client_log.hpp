// The per-client log lines every server writes (pipe, serve, replay): one when a stream opens, one when it ends,
// with the client's address, the method and path (never the query, which may hold an access_token), the events
// sent, how long the stream lasted and why it ended.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "ssetool/loop/session.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

// "127.0.0.1:51234 GET /events" — control characters and bytes outside ASCII in the path written as \xNN.
std::string client_label(const Request& request);

// "LABEL: connected"; `detailed` (-v) adds the Last-Event-ID the client resumes from.
std::string client_connected_line(const Request& request, bool detailed);

struct StreamSummary {
  SessionEnd end = SessionEnd::clean;
  bool shutting_down = false;  // the server was stopping when the stream ended
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
  std::chrono::duration<double> lasted{0};
};

// "LABEL: closed after 12.3s, 120 events (client went away)"; `detailed` (-v) adds the bytes written.
std::string client_closed_line(const Request& request, const StreamSummary& summary, bool detailed);

// Why a stream ended, in words: "client went away", "dropped: slow client", "server shutting down"...
std::string end_reason(SessionEnd end, bool shutting_down);

}  // namespace ssetool
