// `replay --record-from URL --record DIR` (see replay/record_proxy.hpp).
#include "ssetool/replay/record_proxy.hpp"

#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <exception>
#include <future>
#include <optional>
#include <thread>
#include <utility>

#include "ssetool/base/errors.hpp"
#include "ssetool/replay/proxy_headers.hpp"
#include "ssetool/server/policy.hpp"
#include "ssetool/replay/upstream_relay.hpp"
#include "ssetool/wire/tape.hpp"

namespace ssetool {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A decoded path written back as a request target: what is not a path character (RFC 3986) is percent-encoded.
std::string encode_path(const std::string& path) {
  constexpr std::string_view kKept = "-._~!$&'()*+,;=:@/";
  std::string out;
  for (char c : path) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || kKept.find(c) != std::string_view::npos) out += c;
    else out += fmt::format("%{:02X}", u);
  }
  return out.empty() ? "/" : out;
}

std::string upstream_target(const Url& upstream, const Request& request) {
  std::string prefix = upstream.target;
  if (auto q = prefix.find('?'); q != std::string::npos) prefix.resize(q);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  std::string target = prefix + encode_path(request.path);
  if (!request.query_string.empty()) target += "?" + request.query_string;
  return target;
}

// The request as forwarded and recorded: replay's own token (the Authorization header carrying it, every
// access_token parameter) stays here.
Request without_own_token(const Request& request, const std::string& token) {
  if (token.empty()) return request;
  Request out = request;
  out.query_string = remove_query_parameter(request.query_string, "access_token");
  std::erase_if(out.query, [](const auto& param) { return param.first == "access_token"; });
  std::erase_if(out.headers, [&](const auto& header) {
    return header_name_equals(header.first, "Authorization") && header.second.rfind("Bearer ", 0) == 0 &&
           same_secret(header.second.substr(7), token);
  });
  return out;
}

// replay streams a 2xx text/event-stream response again (replay/recording_loader.cpp): the same rule here.
bool is_event_stream(const UpstreamHead& head) {
  if (head.status < 200 || head.status > 299 || head.status == 204) return false;
  std::string type = find_header(head.headers, "Content-Type").value_or("");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "text/event-stream";
}

Reply text_reply(int status, std::string body, const char* retry_after = nullptr) {
  Reply reply = Reply::text(status, std::move(body));
  if (retry_after) reply.headers.emplace_back("Retry-After", retry_after);
  return reply;
}

// One exchange's tape, written as the exchange runs, within the size limit; saved or discarded at the end.
class TapeSink {
 public:
  TapeSink(RecordStore& store, const Request& request, std::size_t max_bytes)
      : store_(store), request_(request), tape_(store.new_tape(request)), max_bytes_(max_bytes) {}
  ~TapeSink() {
    writer_.reset();
    if (!saved_) store_.discard(tape_);
  }

  void start(const UpstreamHead& head, const std::string& url) {
    started_ = SteadyClock::now();
    try {
      writer_.emplace(tape_.partial_path);
    } catch (const Error& e) {
      problem_ = e.what();
      return;
    }
    attempt([&] {
      writer_->header({head.status, head.headers, request_.method, url, std::nullopt,
                       tape_timestamp(std::chrono::system_clock::now())});
    });
  }
  void bytes(std::string_view bytes) {
    size_ += bytes.size();
    if (size_ > max_bytes_ && problem_.empty()) {
      problem_ = fmt::format("its body exceeds --record-max-size ({} bytes)", max_bytes_);
      writer_.reset();
    }
    attempt([&] { writer_->bytes(elapsed(), bytes); });
  }
  void end(TapeEnd how) {
    attempt([&] { writer_->end(elapsed(), how); });
  }
  void fail(std::string why) {
    if (problem_.empty()) problem_ = std::move(why);
  }
  // Saves the tape and its route, or says why not: one line for the log.
  std::string finish(const std::string& what) {
    writer_.reset();
    if (problem_.empty()) {
      try {
        store_.save(tape_, request_);
        saved_ = true;
        return fmt::format("recorded {} as {}", what, tape_.path);
      } catch (const Error& e) {
        problem_ = e.what();
      }
    }
    store_.discard(tape_);
    return fmt::format("not recorded: {}: {}", what, problem_);
  }

 private:
  template <class Write>
  void attempt(Write write) {
    if (!writer_ || !problem_.empty()) return;
    try {
      write();
    } catch (const Error& e) {
      problem_ = e.what();
      writer_.reset();
    }
  }
  std::chrono::microseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started_);
  }

  RecordStore& store_;
  const Request& request_;
  RecordedTape tape_;
  std::size_t max_bytes_;
  std::optional<TapeWriter> writer_;
  std::size_t size_ = 0;
  std::string problem_;
  bool saved_ = false;
  SteadyClock::time_point started_ = SteadyClock::now();
};

}  // namespace

struct RecordProxy::Exchange {
  Exchange(const Url& upstream, const UpstreamOptions& options, const Request& r)
      : request(r),
        up{r.method, upstream_target(upstream, r), upstream_request_headers(r.headers), r.body},
        call(upstream, options) {}

  void answer(Reply reply) {
    if (answered) return;
    answered = true;
    reply_promise.set_value(std::move(reply));
  }

  Request request;
  UpstreamRequest up;
  UpstreamCall call;
  std::shared_ptr<UpstreamRelay> relay;
  std::promise<Reply> reply_promise;
  bool answered = false;  // call thread only
};

struct RecordProxy::Running {
  std::shared_ptr<Exchange> exchange;
  std::thread thread;
  std::atomic<bool> done{false};
};

namespace {

// The reply that relays the upstream's event stream; a stream that never opens closes the relay.
Reply stream_reply(const std::shared_ptr<UpstreamRelay>& relay, const UpstreamHead& head) {
  std::shared_ptr<void> unopened(nullptr, [relay](void*) { relay->abandon(); });
  Reply reply = Reply::stream([relay, unopened](Session& session) { relay->attach(session); });
  reply.status = head.status;
  reply.headers = client_response_headers(head.headers);
  return reply;
}

Reply body_reply(const UpstreamHead& head, std::string body) {
  Reply reply = Reply::text(head.status, std::move(body));
  reply.content_type = find_header(head.headers, "Content-Type").value_or("application/octet-stream");
  reply.headers = client_response_headers(head.headers);
  return reply;
}

}  // namespace

RecordProxy::RecordProxy(RecordProxyOptions options)
    : options_(std::move(options)), upstream_(parse_url(options_.upstream)), store_(options_.dir) {}

RecordProxy::~RecordProxy() { stop_all(); }

Reply RecordProxy::forward(const Request& received) {
  Request request = without_own_token(received, options_.own_token);
  reap_finished();
  if (active_.fetch_add(1) >= options_.max_calls) {
    active_.fetch_sub(1);
    return text_reply(503,
                      fmt::format("ssetool replay: {} upstream calls in progress (--record-max-calls); retry later\n",
                                  options_.max_calls),
                      "1");
  }
  auto exchange = std::make_shared<Exchange>(upstream_, options_.call, request);
  std::weak_ptr<Exchange> weak = exchange;
  exchange->relay = std::make_shared<UpstreamRelay>(options_.relay_high_water, [weak] {
    if (auto x = weak.lock()) x->call.stop();
  });
  std::future<Reply> reply = exchange->reply_promise.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      active_.fetch_sub(1);
      return text_reply(503, "ssetool replay: stopping\n", "1");
    }
    auto running = std::make_shared<Running>();
    running->exchange = exchange;
    Running* r = running.get();
    running->thread = std::thread([this, r] {
      run_exchange(*r->exchange);
      active_.fetch_sub(1);
      r->done = true;
    });
    running_.push_back(std::move(running));
  }
  return reply.get();
}

void RecordProxy::run_exchange(Exchange& x) {
  const std::string what = fmt::format("{} {}", x.request.method, x.up.target);
  const std::string url = fmt::format("{}://{}{}", upstream_.scheme, upstream_.authority, x.up.target);
  TapeSink tape(store_, x.request, options_.max_tape);
  UpstreamHead head;
  bool stream = false;
  std::string body;
  UpstreamCallbacks callbacks{
      [&](const UpstreamHead& h) {
        head = h;
        stream = is_event_stream(h);
        tape.start(h, url);
        if (stream) x.answer(stream_reply(x.relay, h));
        return true;
      },
      [&](std::string_view bytes) {
        tape.bytes(bytes);
        if (stream) return x.relay->deliver(bytes);
        if (body.size() + bytes.size() > options_.max_tape) return false;
        body.append(bytes);
        return true;
      }};
  UpstreamResult result;
  try {
    result = x.call.run(x.up, callbacks);
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  if (stream) {
    x.relay->finish(result.complete);
    tape.end(result.complete ? TapeEnd::complete : result.error == "stopped" ? TapeEnd::stopped : TapeEnd::dropped);
    if (!result.complete && result.error == "stopped") tape.fail("the client left before the upstream's stream ended");
  } else if (result.responded && result.complete) {
    tape.end(TapeEnd::complete);
    x.answer(body_reply(head, std::move(body)));
  } else {
    std::string why = result.responded && result.error.empty()
                          ? fmt::format("the upstream's body exceeds --record-max-size ({} bytes)", options_.max_tape)
                          : result.error;
    tape.fail(why);
    x.answer(text_reply(502, fmt::format("ssetool replay: --record-from {}: {}\n", options_.upstream, why)));
  }
  std::string note = tape.finish(what);
  if (options_.on_note) options_.on_note(note);
}

void RecordProxy::reap_finished() {
  std::list<std::shared_ptr<Running>> finished;
  {
    std::lock_guard lock(mutex_);
    for (auto it = running_.begin(); it != running_.end();) {
      if ((*it)->done) finished.splice(finished.end(), running_, it++);
      else ++it;
    }
  }
  for (auto& r : finished) r->thread.join();
}

void RecordProxy::stop_all() {
  std::list<std::shared_ptr<Running>> all;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    all.swap(running_);
  }
  for (auto& r : all) {
    r->exchange->relay->close();
    r->exchange->call.stop();
  }
  for (auto& r : all) r->thread.join();
}

}  // namespace ssetool
