// An SSE client (an EventSource for programs) over httplib::Client: it connects over http or https, feeds the
// body to the library Parser and reconnects as WHATWG HTML 9.2 says — after the end of a stream or a network
// error it waits the reconnection time (the server's last `retry:`, else the configured default; floored, with
// backoff after failed attempts: client/reconnect_delay.hpp) and reconnects, sending `Last-Event-ID` when the last
// event id is not empty. It follows redirects itself: the configured headers go only to the origin of `url`
// unless `location_trusted` is set. The response head (status line and headers) is bounded. A 204 stops it; a status other than 200, or a
// Content-Type other than text/event-stream, fails it for good. It never prints: it reports through callbacks.
//
//   ssetool::Client client({.url = "http://localhost:8080/events"},
//                          {.on_event = [](ssetool::ParsedEvent&& e) { use(e.data); }});
//   std::thread stopper([&] { wait_for_something(); client.stop(); });
//   ssetool::ClientResult result = client.run();
//
// Threads: run() blocks the calling thread and makes every callback on it. stop() may be called from any thread
// and from inside a callback; after it no more event, comment or bytes callbacks are made.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "ssetool/client/url.hpp"
#include "ssetool/wire/headers.hpp"
#include "ssetool/wire/parser.hpp"

namespace ssetool {

class HeadBoundedHttp;  // client/head_bounded_http.hpp (private to the part)

struct ClientOptions {
  std::string url;
  std::string method = "GET";
  Headers headers = {};                  // sent on every request; they replace the defaults of the same name
  std::optional<std::string> body = {};      // sent on every request (Content-Type defaults to application/json)
  std::string last_event_id = {};            // sent on the first request already (when not empty)
  bool verify_tls = true;                    // false: accept any certificate (-k)
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds idle_timeout{0};  // a stream silent this long counts as dropped; 0: never
  std::chrono::milliseconds retry = std::chrono::seconds(3);  // reconnection time until the server sends retry:
  bool reconnect = true;
  std::optional<std::uint64_t> max_reconnects = {};  // reconnections allowed over the whole run; nullopt: no limit
  // Give up (Reason::failed, gave_up) after this many attempts in a row that got no stream (no 200 with
  // text/event-stream: a failed resolve, connect or TLS handshake, a dropped response head); nullopt: never.
  std::optional<std::uint64_t> max_failures = {};
  // Redirects are followed (at most kMaxRedirects, client/redirect.hpp). `headers` (credentials included) go only
  // to the origin (scheme, host, port) of `url`; true: to every origin a redirect leads to (curl's --location-trusted).
  bool location_trusted = false;
  // A response whose status line and headers exceed this fails the run (ClientResult::Reason::failed, not retried).
  std::size_t max_response_head = 64 * 1024;
  ParserLimits limits = {};
};

// A response as it began (any status).
struct ResponseInfo {
  int status = 0;
  std::string reason;
  Headers headers;
  bool accepted = false;                       // 200 with text/event-stream: its body is parsed
  std::string method;
  std::string url;
  std::optional<std::string> last_event_id;  // the Last-Event-ID this request sent, if any
  std::uint64_t attempt = 1;                 // 1 for the first connection, 2 for the first reconnection...
};

// How an accepted response ended.
enum class StreamEnd {
  complete,  // the server ended it
  dropped,   // the connection broke, or a chunked body lacked its final chunk
  stopped,   // stop() was called
};

// An attempt that got no stream, or a stream that ended, after which the client tries again.
struct RetryNotice {
  std::string what;                  // "connect 127.0.0.1:8080: connection refused", "stream from ... ended ..."
  std::chrono::milliseconds delay{};  // before the next attempt
  std::uint64_t next_attempt = 2;    // the number of that attempt (1 was the first connection)
  bool had_stream = false;           // the attempt that ended had an accepted stream
};

struct ClientCallbacks {
  std::function<void(const ResponseInfo&)> on_response = {};  // every response, before its body
  std::function<void(ParsedEvent&&)> on_event = {};
  std::function<void(std::uint64_t)> on_retry = {};           // a valid retry field, when it is read
  std::function<void(std::string_view)> on_comment = {};      // a comment line, without the ':'
  // Body bytes of an accepted response as they were received, one call per read, after the parser has seen
  // them (so after their events). When stop() is called while a read is being parsed, only the part up to the
  // line that led to it is given.
  std::function<void(std::string_view)> on_bytes = {};
  std::function<void(StreamEnd, const std::string& detail)> on_stream_end = {};  // an accepted response ended
  std::function<void(const std::string&)> on_log = {};        // the connection's life, one line each (for -v)
  std::function<void(const RetryNotice&)> on_retry_scheduled = {};  // before each wait to reconnect
};

struct ClientResult {
  enum class Reason {
    stopped,     // stop() was called
    no_content,  // 204: the server asks the client not to reconnect
    ended,       // the last stream ended cleanly and no reconnection was allowed
    failed,      // the last connection failed or broke and no reconnection was allowed, or max_failures
                 // attempts in a row failed, or the server's certificate did not verify, or the response head
                 // exceeded max_response_head, or a redirect led to an invalid URL, or the host name of the
                 // first attempt does not exist (these four are never retried)
    rejected,    // a status other than 200, or a Content-Type other than text/event-stream
  };
  Reason reason = Reason::stopped;
  int status = 0;           // of the last response; 0 when none arrived
  std::string message;      // for failed and rejected: what went wrong, in one line (for no_content: that)
  std::string body_start;   // for rejected: the first bytes of the body (at most 1 KiB)
  std::uint64_t reconnects = 0;
  bool gave_up = false;     // failed because of max_failures (the message says so)
};

class Client {
 public:
  Client(ClientOptions options, ClientCallbacks callbacks);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects and reads until a stop condition. Throws InvalidArgument for a bad URL, and whatever a callback
  // throws. A stream that exceeds the parser's limits counts as dropped (StreamEnd::dropped, detail naming the
  // limit): the client reconnects as after a network error.
  ClientResult run();

  // Ends run() as soon as possible: from another thread, or from inside a callback.
  void stop();

  // The last event id: what the next reconnection sends.
  std::string last_event_id() const;

 private:
  struct Attempt;

  Attempt connect_once(const Url& url, std::uint64_t attempt);
  Attempt send_once(const Url& url, const std::string& url_text, const std::string& method,
                    const std::optional<std::string>& body, bool send_headers, std::uint64_t attempt);
  void consume(std::string_view bytes);
  std::shared_ptr<HeadBoundedHttp> make_http_client(const Url& url);
  bool wait_before_reconnect(std::chrono::milliseconds delay);
  void log(const std::string& line);
  bool stopping() const { return stopping_.load(); }

  ClientOptions options_;
  ClientCallbacks callbacks_;
  Parser parser_;
  std::chrono::milliseconds reconnection_time_;
  std::minstd_rand jitter_random_;  // the reconnection delay's jitter (run thread only)
  std::atomic<bool> stopping_{false};
  std::atomic<std::thread::id> run_thread_{};

  mutable std::mutex mutex_;  // guards http_, last_event_id_ and the reconnection wait
  std::condition_variable wake_;
  std::shared_ptr<HeadBoundedHttp> http_;
  std::string last_event_id_;  // a copy of the parser's, readable from other threads
};

}  // namespace ssetool
