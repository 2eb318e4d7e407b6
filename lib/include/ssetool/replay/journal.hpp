// The request journal of `ssetool replay --journal FILE`: one JSON line per request, written when the request is
// over, so that a test can check what its client sent and what it got. Lines appear in the order requests end;
// "request" numbers them in the order they arrived.
//
//   {"request":1,"time":"2024-05-01T12:00:00.000Z","method":"POST","path":"/v1/chat/completions",
//    "query":{"stream":"true"},"headers":{"content-type":"application/json",...},"body":"{\"model\":...}",
//    "route":1,"route_name":"chat","status":200,"last_event_id":"3","resumed":true,"events":5,
//    "ended":"complete","duration_ms":412.5}
//
// "query": parameters (a repeated name keeps its last value); "headers": names in lower case (repeats joined
// with ", "); "body": the request body as text (bytes that are not UTF-8 become U+FFFD); "route": the 1-based route
// number, null when no route matched; "last_event_id": what the client asked to resume from, if anything, and
// "resumed" whether that id was found; "ended": "response" for a short response (404, a --fail-first failure, a
// status/body route, a recorded error), else how the stream ended (see PlaybackEnd), or "refused" when the server
// turned the stream away (--max-clients, shutting down). Secrets are not written: the value of each header and
// query parameter named in the JournalRedaction becomes "[redacted]" (the CLI names Authorization and access_token
// when the server has a --token, and every --redact header). The file is written line by line and flushed each
// time; it grows by one line per request (keep --exit-after or the test's own lifetime as the bound).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "ssetool/wire/request.hpp"

namespace ssetool {

struct JournalEntry {
  std::uint64_t request = 0;
  std::chrono::system_clock::time_point time;
  Request http;
  std::optional<std::size_t> route;  // 1-based
  std::string route_name;
  int status = 0;
  std::optional<std::string> last_event_id;
  bool resumed = false;
  std::uint64_t events = 0;
  std::string ended = "response";
  std::chrono::microseconds duration{0};
};

// What the journal must not show. Header names match whatever their case; query names match exactly.
struct JournalRedaction {
  std::set<std::string> headers;  // in lower case
  std::set<std::string> query;
};

// What a redacted value is written as.
inline constexpr const char* kRedacted = "[redacted]";

// The JSON line for one entry, without the newline.
std::string journal_line(const JournalEntry& entry, const JournalRedaction& redaction = {});

class Journal {
 public:
  // Creates or truncates `path`. Throws SystemError when it cannot be opened.
  explicit Journal(const std::string& path, JournalRedaction redaction = {});
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Thread-safe. A failed write is remembered (see failed()) rather than thrown: a request is never affected.
  void write(const JournalEntry& entry);
  bool failed() const;

 private:
  const JournalRedaction redaction_;
  mutable std::mutex mutex_;
  std::FILE* file_ = nullptr;
  bool failed_ = false;
};

}  // namespace ssetool
