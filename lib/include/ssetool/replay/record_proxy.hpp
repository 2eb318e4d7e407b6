// `replay --record-from URL --record DIR`: a request that matches no route is forwarded to the upstream URL and
// the exchange recorded in DIR (replay/record_store.hpp) as a tape with its timing plus a route, so that
// `ssetool replay --routes DIR/routes.json` answers it offline next time.
//
// The request goes up with its method, path and query (appended to the URL's own path), body and headers, minus
// the hop-by-hop ones (replay/proxy_headers.hpp), Host being the upstream's. Authorization and every other header
// are forwarded; none is written to DIR. No redirect is followed.
//
// Threads: forward() runs on a server worker. Each exchange runs on a thread of its own (the upstream call); the
// worker waits for the upstream's response head only. A 2xx text/event-stream answer is relayed to the client as
// it arrives, read by read (replay/upstream_relay.hpp: the call thread waits while the client is behind), with the
// upstream's status and headers; any other answer (an error, a JSON body) is read whole, up to max_tape bytes, and
// sent as it came. A connect failure or an upstream that breaks off before its head answers 502 with one line
// saying why; a non-2xx answer is passed through and recorded like any other.
//
// Limits: at most max_calls exchanges at once: one more gets 503 with Retry-After: 1 at once (nothing is
// forwarded). A tape that would grow past max_tape bytes is not saved (the client still gets the whole stream,
// and on_note says so); a non-stream body past max_tape answers 502. The upstream's silence is bounded by
// `upstream.read_timeout` (the exchange then counts as dropped).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "ssetool/client/upstream_call.hpp"
#include "ssetool/client/url.hpp"
#include "ssetool/replay/record_store.hpp"
#include "ssetool/server/reply.hpp"

namespace ssetool {

struct RecordProxyOptions {
  std::string upstream;                     // http://HOST[:PORT][/PREFIX] or https://...
  std::string dir;                          // where tapes and routes.json go
  std::size_t max_tape = 16 << 20;          // bytes of one tape (and of one non-stream body)
  std::size_t max_calls = 8;                // exchanges at once
  std::size_t relay_high_water = 256 << 10;  // bytes on their way to one client before the upstream waits
  // replay's own --token: the client's credential for replay (`Authorization: Bearer TOKEN`, `access_token`), never
  // forwarded upstream nor recorded. Empty: none.
  std::string own_token;
  UpstreamOptions call;
  std::function<void(const std::string&)> on_note;  // any thread: one line per exchange (saved where, or why not)
};

class RecordProxy {
 public:
  // Throws InvalidArgument (a bad URL, a broken DIR/routes.json) or SystemError (DIR cannot be created).
  explicit RecordProxy(RecordProxyOptions options);
  ~RecordProxy();  // stop_all()

  // Worker thread: forwards the request and returns the upstream's answer (a stream, opened on the loop) or 502/503.
  Reply forward(const Request& request);
  // Stops every exchange at once and waits for their threads. forward() answers 503 from then on.
  void stop_all();

 private:
  struct Exchange;
  struct Running;

  void run_exchange(Exchange& exchange);  // the exchange's own thread
  void reap_finished();

  RecordProxyOptions options_;
  Url upstream_;
  RecordStore store_;
  std::atomic<std::size_t> active_{0};
  std::mutex mutex_;  // guards running_ and stopping_
  std::list<std::shared_ptr<Running>> running_;
  bool stopping_ = false;
};

}  // namespace ssetool
