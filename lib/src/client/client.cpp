// The SSE client (see client/client.hpp). One httplib client per request (head_bounded_http.hpp), so that every
// attempt, and every redirect it follows, starts on a fresh socket with a bounded response head; the attempt loop
// in run() implements the reconnection rules of WHATWG HTML 9.2.3 with the delay of client/reconnect_delay.hpp,
// and connect_once() follows redirects (httplib's own following would forward every header to any origin).
//
// Stopping: stop() sets a flag that every callback wrapper and the body receiver check, wakes the reconnection
// wait, and calls httplib::Client::stop() on the attempt in progress (which shuts its socket down). httplib
// connects while holding its socket mutex; the connect (tcp_connect.hpp) checks the flag every 100 ms and gives
// up, so a stop() during a connect takes effect within that (a TLS handshake is bounded by the connect timeout).
#include "ssetool/client/client.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

#include "head_bounded_http.hpp"
#include "tcp_connect.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/client/reconnect_delay.hpp"
#include "ssetool/client/redirect.hpp"

namespace ssetool {
namespace {

constexpr std::size_t kBodyStartLimit = 1024;
// httplib needs some read timeout; without an idle timeout a stream may be silent for this long.
constexpr auto kNoIdleTimeout = std::chrono::hours(24 * 7);
constexpr auto kWriteTimeout = std::chrono::seconds(5);

std::string describe_size(std::size_t bytes) {
  return bytes % 1024 == 0 ? fmt::format("{} KiB", bytes / 1024) : fmt::format("{} bytes", bytes);
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// True for "text/event-stream", whatever the case and parameters ("; charset=utf-8").
bool is_event_stream(std::string_view content_type) {
  std::string_view essence = content_type.substr(0, content_type.find(';'));
  std::size_t first = essence.find_first_not_of(" \t");
  std::size_t last = essence.find_last_not_of(" \t");
  if (first == std::string_view::npos) return false;
  return lowercase(essence.substr(first, last - first + 1)) == "text/event-stream";
}

// The end of the line starting at `from` (after its CR, LF or CRLF), or the end of `bytes`.
std::size_t line_end(std::string_view bytes, std::size_t from) {
  std::size_t end = bytes.find_first_of("\r\n", from);
  if (end == std::string_view::npos) return bytes.size();
  if (bytes[end] == '\r' && end + 1 < bytes.size() && bytes[end + 1] == '\n') ++end;
  return end + 1;
}

// httplib's own names for its errors are terse ("Connection"); these say what happened.
std::string describe(httplib::Error error) {
  using E = httplib::Error;
  switch (error) {
    case E::Connection: return "cannot connect";
    case E::ConnectionTimeout: return "connect timed out";
    case E::BindIPAddress: return "cannot bind the local address";
    case E::Read: return "connection lost while reading (or read timed out)";
    case E::Write: return "connection lost while sending the request";
    case E::Canceled: return "canceled";
    case E::SSLConnection: return "TLS handshake failed";
    case E::SSLLoadingCerts: return "cannot load the system's CA certificates";
    case E::SSLServerVerification: return "the server's TLS certificate does not verify (-k accepts it)";
    case E::Compression: return "cannot decompress the response";
    default: return httplib::to_string(error);
  }
}

// Why a request got no response, in curl's terms: the resolver's or connect's reason (tcp_connect.hpp), OpenSSL's
// for a certificate, else httplib's error, with the host and port.
std::string describe_failure(HeadBoundedHttp& http, const Url& url, httplib::Error error) {
  const ConnectFailure& failure = http.connect_failure();
  if (failure.stage == ConnectFailure::Stage::resolve || failure.stage == ConnectFailure::Stage::connect)
    return failure.message;
  const std::string where = host_port(url.host, url.port);
  if (error == httplib::Error::SSLServerVerification) {
    std::string why = http.tls_verify_error();
    return fmt::format("TLS certificate of {} does not verify{}{} (-k accepts it)", where, why.empty() ? "" : ": ",
                       why);
  }
  if (error == httplib::Error::SSLConnection) return fmt::format("TLS handshake with {} failed", where);
  if (error == httplib::Error::Read) return fmt::format("{}: connection lost before the response head", where);
  return fmt::format("{}: {}", where, describe(error));
}

std::string describe_rejection(int status, const std::string& reason, const std::string& content_type) {
  if (status != 200) return fmt::format("HTTP {}{}{}", status, reason.empty() ? "" : " ", reason);
  return fmt::format("HTTP 200 with Content-Type '{}' instead of text/event-stream", content_type);
}

}  // namespace

// What one connection attempt came to.
struct Client::Attempt {
  enum class Kind { stopped, no_content, rejected, ended, lost, fatal };
  Kind kind = Kind::lost;
  int status = 0;
  std::string message = {};
  std::string body_start = {};
  bool accepted = false;                      // a 200 text/event-stream response began
  std::optional<std::string> redirect = {};   // a redirect to follow: its Location
};

Client::Client(ClientOptions options, ClientCallbacks callbacks)
    : options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      parser_(
          Parser::Callbacks{
              [this](ParsedEvent&& e) {
                if (!stopping() && callbacks_.on_event) callbacks_.on_event(std::move(e));
              },
              [this](std::uint64_t retry) {
                reconnection_time_ = std::chrono::milliseconds(retry);
                if (!stopping() && callbacks_.on_retry) callbacks_.on_retry(retry);
              },
              [this](std::string_view comment) {
                if (!stopping() && callbacks_.on_comment) callbacks_.on_comment(comment);
              },
          },
          options_.limits),
      reconnection_time_(options_.retry),
      jitter_random_(std::random_device{}()),
      last_event_id_(options_.last_event_id) {
  parser_.set_last_event_id(options_.last_event_id);
}

Client::~Client() = default;

ClientResult Client::run() {
  run_thread_.store(std::this_thread::get_id());
  const Url url = parse_url(options_.url);
  ClientResult result;
  std::uint64_t failures = 0;  // attempts in a row that got no accepted stream
  for (std::uint64_t attempt = 1;; ++attempt) {
    Attempt outcome = connect_once(url, attempt);
    failures = outcome.accepted ? 0 : failures + 1;
    result.status = outcome.status;
    result.message = outcome.message;
    switch (outcome.kind) {
      case Attempt::Kind::stopped:
        result.reason = ClientResult::Reason::stopped;
        return result;
      case Attempt::Kind::no_content:
        result.message = "HTTP 204 No Content: the server asks not to reconnect";
        log(result.message);
        result.reason = ClientResult::Reason::no_content;
        return result;
      case Attempt::Kind::rejected:
        result.reason = ClientResult::Reason::rejected;
        result.body_start = std::move(outcome.body_start);
        return result;
      case Attempt::Kind::fatal:
        result.reason = ClientResult::Reason::failed;
        return result;
      case Attempt::Kind::ended:
      case Attempt::Kind::lost:
        break;
    }
    if (stopping()) {  // stop() from on_stream_end, or from another thread as the stream ended: no retry notice
      result.reason = ClientResult::Reason::stopped;
      return result;
    }
    result.reason = outcome.kind == Attempt::Kind::ended ? ClientResult::Reason::ended : ClientResult::Reason::failed;
    if (!options_.reconnect) {
      log("not reconnecting: reconnection is off");
      return result;
    }
    if (options_.max_failures && failures >= *options_.max_failures) {
      result.gave_up = true;
      result.message += fmt::format("; gave up after {} failed attempt{} in a row", failures, failures == 1 ? "" : "s");
      log(result.message);
      return result;
    }
    if (options_.max_reconnects && result.reconnects >= *options_.max_reconnects) {
      log(fmt::format("not reconnecting: {} reconnection(s) made, the maximum", result.reconnects));
      return result;
    }
    double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(jitter_random_);
    std::chrono::milliseconds delay = reconnect_delay(reconnection_time_, failures, jitter);
    log(fmt::format("reconnecting in {} ms", delay.count()));
    if (callbacks_.on_retry_scheduled) callbacks_.on_retry_scheduled({outcome.message, delay, attempt + 1, outcome.accepted});
    if (!wait_before_reconnect(delay)) {
      result.reason = ClientResult::Reason::stopped;
      return result;
    }
    ++result.reconnects;
  }
}

// One attempt: the request to `original`, then to wherever its redirects lead.
Client::Attempt Client::connect_once(const Url& original, std::uint64_t attempt) {
  Url url = original;
  std::string text = options_.url;
  std::string method = options_.method;
  std::optional<std::string> body = options_.body;
  const std::string& id = parser_.last_event_id();
  log(fmt::format("{} {} {}{}", attempt == 1 ? "connecting:" : "reconnecting:", method, text,
                  id.empty() ? "" : " with Last-Event-ID: " + id));
  for (int redirects = 0;; ++redirects) {
    const bool send_headers = options_.location_trusted || same_origin(original, url);
    Attempt outcome = send_once(url, text, method, body, send_headers, attempt);
    if (!outcome.redirect) return outcome;
    const int status = outcome.status;
    if (redirects == kMaxRedirects) {
      std::string message = fmt::format("connection failed: too many redirects (more than {})", kMaxRedirects);
      log(message);
      return {Attempt::Kind::lost, status, message};
    }
    try {
      url = resolve_location(url, *outcome.redirect);
    } catch (const InvalidUrl& e) {
      return {Attempt::Kind::fatal, status, fmt::format("HTTP {} redirects to {}", status, e.what())};
    }
    text = url_text(url);
    std::string next_method = redirected_method(status, method);
    if (next_method != method) body.reset();
    method = std::move(next_method);
    bool dropped = !options_.headers.empty() && !options_.location_trusted && !same_origin(original, url);
    log(fmt::format("HTTP {}: redirected to {} {}{}", status, method, text,
                    dropped ? " (another origin: the request headers given are not sent)" : ""));
  }
}

Client::Attempt Client::send_once(const Url& url, const std::string& url_text, const std::string& method,
                                  const std::optional<std::string>& body, bool send_headers, std::uint64_t attempt) {
  std::shared_ptr<HeadBoundedHttp> http = make_http_client(url);
  {
    std::lock_guard lock(mutex_);
    if (stopping()) return {Attempt::Kind::stopped};
    http_ = http;
  }

  const Headers no_headers;
  const Headers& given = send_headers ? options_.headers : no_headers;
  httplib::Request request;
  request.method = method;
  request.path = url.target;
  for (const auto& [name, value] : given) request.headers.emplace(name, value);
  if (!find_header(given, "Accept")) request.headers.emplace("Accept", "text/event-stream");
  if (!find_header(given, "Cache-Control")) request.headers.emplace("Cache-Control", "no-cache");
  if (!find_header(given, "User-Agent")) request.headers.emplace("User-Agent", "ssetool/" SSETOOL_VERSION);
  std::optional<std::string> sent_id;
  if (!parser_.last_event_id().empty()) {
    sent_id = parser_.last_event_id();
    request.headers.emplace("Last-Event-ID", *sent_id);
  }
  if (body) {
    request.body = *body;
    if (!find_header(given, "Content-Type")) request.headers.emplace("Content-Type", "application/json");
  }

  // What the callbacks learn while httplib reads the response.
  struct State {
    bool reported = false;  // on_response was called
    bool accepted = false;
    std::string content_type;
    std::string body_start;
    std::string limit_error;
    std::optional<std::string> redirect;
    int redirect_status = 0;
    std::exception_ptr error;
  } state;

  auto report = [&](const httplib::Response& res) {
    state.reported = true;
    state.content_type = res.get_header_value("Content-Type");
    state.accepted = res.status == 200 && is_event_stream(state.content_type);
    ResponseInfo info{res.status, res.reason, {}, state.accepted, method, url_text, sent_id, attempt};
    for (const auto& [name, value] : res.headers) info.headers.emplace_back(name, value);
    log(fmt::format("HTTP {} {}, Content-Type: {}", res.status, res.reason, state.content_type));
    if (state.accepted) parser_.restart();
    if (callbacks_.on_response) callbacks_.on_response(info);
  };

  request.response_handler = [&](const httplib::Response& res) {
    http->end_head();
    if (is_redirect_status(res.status) && res.has_header("Location")) {
      state.redirect = res.get_header_value("Location");
      state.redirect_status = res.status;
      return false;  // its body is not needed
    }
    try {
      report(res);
    } catch (...) {
      state.error = std::current_exception();
      return false;
    }
    return !stopping();
  };
  request.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    if (stopping()) return false;
    if (!state.accepted) {  // a rejected response: keep the start of its body for the message
      state.body_start.append(data, std::min(size, kBodyStartLimit - state.body_start.size()));
      return state.body_start.size() < kBodyStartLimit;
    }
    try {
      consume(std::string_view(data, size));
    } catch (const LimitExceeded& e) {
      state.limit_error = e.what();
      return false;
    } catch (...) {
      state.error = std::current_exception();
      return false;
    }
    return !stopping();
  };

  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  bool ok = http->client().send(request, response, error);
  {
    std::lock_guard lock(mutex_);
    http_.reset();
  }
  if (state.error) std::rethrow_exception(state.error);
  if (http->head_exceeded()) {
    std::string message = fmt::format("response head too large: the status line and headers from {} exceed {}",
                                      url_text, describe_size(options_.max_response_head));
    log(message);
    return {Attempt::Kind::fatal, 0, message};
  }
  if (state.redirect && !stopping()) {
    Attempt redirect{Attempt::Kind::lost, state.redirect_status};
    redirect.redirect = std::move(state.redirect);
    return redirect;
  }
  if (ok && !state.reported) report(response);  // httplib calls no response handler for a 204

  if (state.accepted) {
    parser_.finish();
    StreamEnd how = stopping() ? StreamEnd::stopped : ok ? StreamEnd::complete : StreamEnd::dropped;
    std::string detail = !state.limit_error.empty() ? state.limit_error : ok ? "" : describe(error);
    log(how == StreamEnd::complete  ? "stream ended by the server"
        : how == StreamEnd::stopped ? "stopped"
                                    : "stream dropped: " + detail);
    if (callbacks_.on_stream_end) callbacks_.on_stream_end(how, detail);
    const std::string where = host_port(url.host, url.port);
    if (how == StreamEnd::stopped) return {Attempt::Kind::stopped, 200, {}, {}, true};
    if (how == StreamEnd::complete)
      return {Attempt::Kind::ended, 200, fmt::format("stream from {} ended by the server", where), {}, true};
    return {Attempt::Kind::lost, 200, fmt::format("stream from {} dropped: {}", where, detail), {}, true};
  }
  if (stopping()) return {Attempt::Kind::stopped, response.status};
  if (state.reported && response.status == 204) return {Attempt::Kind::no_content, 204};
  if (state.reported) {
    return {Attempt::Kind::rejected, response.status,
            describe_rejection(response.status, response.reason, state.content_type), state.body_start};
  }
  if (http->connect_failure().stage == ConnectFailure::Stage::stopped) return {Attempt::Kind::stopped};
  std::string message = describe_failure(*http, url, error);
  log(message);
  // A certificate that does not verify will not verify next time either: like a bad status, it is final. So is a
  // host name that does not exist when the run starts (a typo, or a .invalid name); later it may be a DNS hiccup.
  bool final = error == httplib::Error::SSLServerVerification || error == httplib::Error::SSLLoadingCerts ||
               (http->connect_failure().name_unknown && attempt == 1);
  return {final ? Attempt::Kind::fatal : Attempt::Kind::lost, 0, message};
}

// Feeds a read to the parser line by line, so that a stop() from a callback leaves the rest unparsed, then
// reports the parsed bytes.
void Client::consume(std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size() && !stopping()) {
    std::size_t end = line_end(bytes, done);
    parser_.feed(bytes.substr(done, end - done));
    done = end;
  }
  {
    std::lock_guard lock(mutex_);
    if (last_event_id_ != parser_.last_event_id()) last_event_id_ = parser_.last_event_id();
  }
  if (done > 0 && callbacks_.on_bytes) callbacks_.on_bytes(bytes.substr(0, done));
}

std::shared_ptr<HeadBoundedHttp> Client::make_http_client(const Url& url) {
  const std::chrono::milliseconds read_timeout =
      options_.idle_timeout.count() > 0 ? options_.idle_timeout : std::chrono::milliseconds(kNoIdleTimeout);
  std::shared_ptr<HeadBoundedHttp> bounded = make_head_bounded_client(
      url, {.head_limit = options_.max_response_head,
            .connect_timeout = options_.connect_timeout,
            .read_timeout = read_timeout,
            .write_timeout = kWriteTimeout,
            .stopping = [this] { return stopping(); }});
  httplib::ClientImpl* http = &bounded->client();
  if (!http->is_valid()) throw InvalidArgument(fmt::format("invalid URL '{}'", options_.url));
  http->set_connection_timeout(options_.connect_timeout);
  if (options_.idle_timeout.count() > 0) http->set_read_timeout(options_.idle_timeout);
  else http->set_read_timeout(kNoIdleTimeout);
  http->set_keep_alive(false);
  http->set_follow_location(false);  // connect_once() follows redirects
  http->set_url_encode(false);
  http->enable_server_certificate_verification(options_.verify_tls);
  return bounded;
}

bool Client::wait_before_reconnect(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, delay, [&] { return stopping(); });
}

void Client::stop() {
  stopping_ = true;
  std::shared_ptr<HeadBoundedHttp> http;
  {
    std::lock_guard lock(mutex_);  // orders the flag with a waiter's check of it
    http = http_;
  }
  wake_.notify_all();
  // From inside a callback the receiver simply returns false; from another thread, abort the blocking read.
  if (http && std::this_thread::get_id() != run_thread_.load()) http->client().stop();
}

std::string Client::last_event_id() const {
  std::lock_guard lock(mutex_);
  return last_event_id_;
}

void Client::log(const std::string& line) {
  if (callbacks_.on_log) callbacks_.on_log(line);
}

}  // namespace ssetool
