// One HTTP exchange with an upstream server whose response body is handed over read by read as it arrives: what
// `replay --record-from` forwards a request with. Any method, target, headers and body; http or https (the
// server's certificate verified); the response head bounded; a failed connect keeps its reason ("connect
// 127.0.0.1:9: connection refused"). No redirects are followed and nothing is retried: the upstream's answer is
// the answer.
//
//   ssetool::UpstreamCall call(ssetool::parse_url("http://127.0.0.1:8080"), {});
//   ssetool::UpstreamResult r = call.run({"POST", "/v1/chat?x=1", headers, body},
//                                        {.on_head = [](const ssetool::UpstreamHead&) { return true; },
//                                         .on_body = [](std::string_view bytes) { return true; }});
//
// Threads: run() blocks the calling thread and makes both callbacks on it; stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "ssetool/client/url.hpp"
#include "ssetool/wire/headers.hpp"

namespace ssetool {

class HeadBoundedHttp;  // client/head_bounded_http.hpp (private to the part)

struct UpstreamRequest {
  std::string method;
  std::string target;  // path and query, as sent on the request line
  Headers headers;     // sent as given (Host, Content-Length and Connection are the call's own)
  std::string body;
};

struct UpstreamHead {
  int status = 0;
  std::string reason;
  Headers headers;
};

struct UpstreamCallbacks {
  std::function<bool(const UpstreamHead&)> on_head;   // false: read no body
  std::function<bool(std::string_view)> on_body;      // one call per read; false: stop reading
};

struct UpstreamResult {
  bool responded = false;  // a response head arrived
  bool complete = false;   // ... and its body arrived whole (false: the connection broke, or a callback stopped it)
  std::string error;       // one line, when no head arrived or the body broke off
};

struct UpstreamOptions {
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds read_timeout = std::chrono::minutes(5);  // the longest silence of the upstream
  std::size_t max_response_head = 64 * 1024;
};

class UpstreamCall {
 public:
  UpstreamCall(Url upstream, UpstreamOptions options);
  ~UpstreamCall();
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  // Once. Throws what a callback throws.
  UpstreamResult run(const UpstreamRequest& request, const UpstreamCallbacks& callbacks);
  // Ends run() as soon as possible (its result is then not complete).
  void stop();

 private:
  Url upstream_;
  UpstreamOptions options_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::shared_ptr<HeadBoundedHttp> http_;
};

}  // namespace ssetool
