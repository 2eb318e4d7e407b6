// The one place that knows cpp-httplib on the server side. A worker thread hands it a connection whose
// request has wholly arrived (read and normalised on the loop: server/request_framing.hpp); httplib parses and routes the request, our handler answers it, and
// httplib writes the response. For an event stream, httplib writes only the status line and headers
// (Transfer-Encoding: chunked) and the connection is handed back to the stream loop with the stream's
// opener: every later byte of the stream is written by the loop. For a deferred reply (Reply::later) httplib
// writes nothing: the connection goes back to the loop with the reply's starter, and the loop writes the reply.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "ssetool/loop/transport.hpp"
#include "ssetool/server/reply.hpp"

namespace ssetool {

struct PeerInfo {
  std::string remote_addr;
  int remote_port = 0;
  std::string local_addr;
  int local_port = 0;
};

struct BridgeOutcome {
  enum Kind { keep_alive, close, stream, deferred } kind = close;
  Request request;                                // for a stream or a deferred reply: the request
  std::function<void(Session&)> open_stream;      // for a stream
  std::function<void(Answer)> later;              // for a deferred reply: run it on the loop
  std::function<void()> abandoned;                // deferred: the client left before the reply (Reply::abandoned)
  bool stream_offered = false;                    // the handler answered with a stream (even if not taken)
  bool chunked = true;                            // for a stream: false for an HTTP/1.0 client (ends at close)
  bool reusable = false;                          // deferred: the connection may take another request after
  bool head = false;                              // deferred: a HEAD request (no body in the answer)
  bool keep_connection = false;                   // a deferred reply's stream: the connection outlives it
};

class HttpBridge {
 public:
  // `handler` runs on worker threads. `listen_fd` is our listening socket (httplib runs providers only
  // while its own listening descriptor is valid; it never accepts on it).
  HttpBridge(Handler handler, int listen_fd, std::chrono::milliseconds io_timeout);
  ~HttpBridge();

  // Answers one request on the calling thread: reads it from `input` only (bytes already received; their end
  // is the end of input), writes the response to the transport (or, given `output`, appends it there for the
  // caller to write: nothing then waits for the client). Leftover pipelined bytes stay in `input`.
  BridgeOutcome process(Transport& transport, std::string& input, const PeerInfo& peer,
                        std::string* output = nullptr);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssetool
