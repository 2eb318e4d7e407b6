// testsupport::SseClient — a strict little SSE client for integration tests: it sends `GET path` over a
// RawConnection, parses the status line and headers itself, decodes `Transfer-Encoding: chunked` (or reads a
// Content-Length body, or reads until close), and feeds the body to ssetool::Parser. Unlike a forgiving client it
// tells whether the server ended the response properly (the final zero-length chunk) or just dropped it.
//
//   testsupport::SseClient client(port, "/events", {{"Last-Event-ID", "3"}});
//   REQUIRE(client.status() == 200);
//   auto event = client.next_event();
//   REQUIRE(event);
//   CHECK(event->data == "hello");
//   CHECK(client.wait_end());
//
// Also here: http_request(), for short non-streaming requests; data_of() and ids_of() a list of events.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "process.hpp"  // kDefaultTimeout
#include "raw_connection.hpp"
#include "ssetool/wire/parser.hpp"

namespace testsupport {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The first value of header `name` (case-insensitive) in `headers`.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);

class SseClient {
 public:
  // Connects, sends the request (with `Host` and `Accept: text/event-stream` unless given) and reads the status
  // line and headers. Throws std::runtime_error when they do not arrive complete within `timeout`.
  SseClient(int port, const std::string& path, const Headers& extra_headers = {},
            std::chrono::milliseconds timeout = kDefaultTimeout);

  int status() const { return status_; }
  const Headers& headers() const { return headers_; }
  std::optional<std::string> header(std::string_view name) const { return find_header(headers_, name); }

  // The next event, reading as needed; nullopt when none arrives in time or the response ends first.
  std::optional<ssetool::ParsedEvent> next_event(std::chrono::milliseconds timeout = kDefaultTimeout);

  // The next `n` events (fewer when the timeout passes or the response ends first).
  std::vector<ssetool::ParsedEvent> events_until(std::size_t n, std::chrono::milliseconds timeout = kDefaultTimeout);

  // Comment lines received so far (without the colon), and the last valid retry value.
  const std::vector<std::string>& comments() const { return comments_; }
  std::optional<std::uint64_t> retry() const { return retry_; }

  // Reads until the response ends: true when it ended cleanly (the final zero-length chunk, the whole
  // Content-Length, or an orderly close for a body delimited by closing). Events read meanwhile stay queued.
  bool wait_end(std::chrono::milliseconds timeout = kDefaultTimeout);

  // True when the connection ended before the response did (no final chunk, or a reset).
  bool ended_abruptly() const { return ended_abruptly_; }
  bool ended() const { return ended_cleanly_ || ended_abruptly_; }

  // The decoded body received so far.
  const std::string& body() const { return body_; }

  RawConnection& connection() { return connection_; }

 private:
  void read_head(std::chrono::steady_clock::time_point deadline);
  bool pump(std::chrono::steady_clock::time_point deadline);
  void decode();
  bool decode_chunked();
  void deliver(std::string_view bytes);
  void finish(bool cleanly);

  enum class Framing { chunked, length, close, none };
  enum class ChunkState { size, data, data_end, trailers };

  RawConnection connection_;
  ssetool::Parser parser_;
  int status_ = 0;
  Headers headers_;
  Framing framing_ = Framing::close;
  ChunkState chunk_state_ = ChunkState::size;
  std::uint64_t remaining_ = 0;  // bytes left in the current chunk or of the Content-Length
  std::size_t consumed_ = 0;     // bytes of connection_.received() already decoded
  std::string body_;
  std::deque<ssetool::ParsedEvent> events_;
  std::vector<std::string> comments_;
  std::optional<std::uint64_t> retry_;
  bool ended_cleanly_ = false;
  bool ended_abruptly_ = false;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
};

// The data, and the ids (last_event_id), of each event, in order.
std::vector<std::string> data_of(const std::vector<ssetool::ParsedEvent>& events);
std::vector<std::string> ids_of(const std::vector<ssetool::ParsedEvent>& events);

// One short request to 127.0.0.1:port (via httplib::Client). Throws std::runtime_error when no response arrives.
HttpResponse http_request(int port, const std::string& method, const std::string& path, const Headers& headers = {},
                          const std::string& body = {}, std::chrono::milliseconds timeout = kDefaultTimeout);

}  // namespace testsupport
