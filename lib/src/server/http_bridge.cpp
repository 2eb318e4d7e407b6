// cpp-httplib glue (see server/http_bridge.hpp). Facts relied on, each covered by tests/unit/test_http_bridge.cpp:
// - Server::process_request(Stream&, ...) is protected and works on a server that never listens, provided
//   the protected svr_sock_ holds a valid descriptor (otherwise content providers never run).
// - For a chunked content provider, write_response_core writes the status line and all headers, then calls
//   the provider; a provider returning false makes httplib write nothing more for that response.
// - Content-Type exactly "text/event-stream" is never compressed.
#include "ssetool/server/http_bridge.hpp"

#include <strings.h>

#include <cerrno>
#include <httplib.h>
#include <poll.h>

#include "ssetool/wire/percent_decoding.hpp"

namespace ssetool {
namespace {

// The exchange in progress on this worker thread: lets the route handler hand the stream over.
struct Exchange {
  BridgeOutcome* outcome = nullptr;
  bool handled = false;          // our handler ran (otherwise httplib answered an error itself)
  bool headers_written = false;
  bool deferred = false;         // the reply comes later, from the loop: what httplib writes now is dropped
};
thread_local Exchange* current_exchange = nullptr;

// httplib::Stream over our transport. Reads come only from the request bytes the loop has already received
// (then end of input): a worker never waits for a client. Writes go to the transport, with poll timeouts.
class TransportStream final : public httplib::Stream {
 public:
  TransportStream(Transport& t, std::string& input, const PeerInfo& peer, int timeout_ms, std::string* output)
      : t_(t), input_(input), peer_(peer), timeout_ms_(timeout_ms), output_(output) {}
  ~TransportStream() override { input_.erase(0, consumed_); }  // pipelined bytes stay for the next request
  TransportStream(const TransportStream&) = delete;
  TransportStream& operator=(const TransportStream&) = delete;

  bool is_readable() const override { return consumed_ < input_.size(); }
  bool is_writable() const override { return output_ || wait_for(POLLOUT); }

  ssize_t read(char* ptr, size_t size) override {
    size_t n = input_.copy(ptr, size, consumed_);
    consumed_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (current_exchange && current_exchange->deferred) return static_cast<ssize_t>(size);
    if (output_) {
      output_->append(ptr, size);
      return static_cast<ssize_t>(size);
    }
    size_t done = 0;
    while (done < size) {
      iovec iov{const_cast<char*>(ptr + done), size - done};
      ssize_t n = t_.writev(&iov, 1);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EAGAIN && wait_for(t_.last_wait() == IoWait::read ? POLLIN : POLLOUT)) continue;
      return -1;
    }
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_.remote_addr;
    port = peer_.remote_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_.local_addr;
    port = peer_.local_port;
  }
  socket_t socket() const override { return t_.fd(); }

 private:
  bool wait_for(short events) const {
    pollfd p{t_.fd(), events, 0};
    int r;
    do r = ::poll(&p, 1, timeout_ms_);
    while (r < 0 && errno == EINTR);
    return r > 0;
  }

  Transport& t_;
  std::string& input_;
  size_t consumed_ = 0;
  const PeerInfo& peer_;
  int timeout_ms_;
  std::string* output_;  // set: writes are collected here, the caller writes them
};

// httplib reads a form-urlencoded body into its query parameters (refusing one over 8 KiB with 413) and a
// multipart body into files, leaving the body empty; ssetool's handlers want the body as sent, whatever its type.
// So the request's Content-Type reaches httplib under a name no client can send (not an HTTP token: the framer
// refuses such a name), of the same length, and to_request gives the header its name back.
constexpr char kHiddenContentType[] = "Content@Type";
constexpr std::size_t kNameLength = sizeof kHiddenContentType - 1;  // = "Content-Type"

// `input` starts with the framer's normalised head: CRLF line ends, one header per line.
void hide_content_type(std::string& input) {
  std::size_t head_end = input.find("\r\n\r\n");
  for (std::size_t eol = input.find("\r\n"); eol < head_end; eol = input.find("\r\n", eol + 2)) {
    if (::strncasecmp(input.data() + eol + 2, "Content-Type:", kNameLength + 1) == 0)
      input.replace(eol + 2, kNameLength, kHiddenContentType);
  }
}

Request to_request(const httplib::Request& in) {
  Request out;
  out.method = in.method;
  out.path = in.path;
  auto q = in.target.find('?');
  if (q != std::string::npos) out.query_string = in.target.substr(q + 1);
  out.query = decode_query(out.query_string);  // from the URL only: httplib's params also hold form fields
  for (const auto& [k, v] : in.headers)
    if (k == kHiddenContentType) out.headers.emplace_back("Content-Type", v);
    else if (k != "REMOTE_ADDR" && k != "REMOTE_PORT" && k != "LOCAL_ADDR" && k != "LOCAL_PORT")
      out.headers.emplace_back(k, v);
  out.body = in.body;
  out.remote_addr = in.remote_addr;
  out.remote_port = in.remote_port;
  out.local_port = in.local_port;
  return out;
}

void apply_reply(Reply&& reply, const httplib::Request& req, httplib::Response& res) {
  if (reply.later) {
    Exchange* exchange = current_exchange;
    exchange->deferred = true;
    exchange->outcome->request = to_request(req);
    exchange->outcome->later = std::move(reply.later);
    exchange->outcome->abandoned = std::move(reply.abandoned);
    exchange->outcome->chunked = req.version != "HTTP/1.0";
    exchange->outcome->head = req.method == "HEAD";
    return;
  }
  res.status = reply.status;
  for (const auto& [k, v] : reply.headers) res.set_header(k, v);
  if (!reply.open_stream) {
    if (!reply.body.empty() || reply.status >= 200) res.set_content(reply.body, reply.content_type);
    return;
  }
  Exchange* exchange = current_exchange;
  exchange->outcome->stream_offered = true;
  exchange->outcome->request = to_request(req);
  exchange->outcome->open_stream = std::move(reply.open_stream);
  // Called by httplib once the status line and headers are written: take the connection over.
  auto take_over = [exchange](size_t, httplib::DataSink&) {
    exchange->headers_written = true;
    return false;
  };
  // A connection that carried a stream is closed when the stream ends, never reused: say so, or a client that
  // keeps connections alive (Node's http agent) sends its next request on a socket about to close.
  res.set_header("Connection", "close");
  // HTTP/1.0 has no chunks: the stream goes without Transfer-Encoding and ends when the connection closes.
  exchange->outcome->chunked = req.version != "HTTP/1.0";
  if (exchange->outcome->chunked) res.set_chunked_content_provider("text/event-stream", take_over);
  else res.set_content_provider("text/event-stream", take_over);
}

}  // namespace

class HttpBridge::Impl : public httplib::Server {
 public:
  Impl(ssetool::Handler handler, int listen_fd, std::chrono::milliseconds io_timeout)
      : handler_(std::move(handler)), timeout_ms_(static_cast<int>(io_timeout.count())) {
    svr_sock_ = listen_fd;
    auto route = [this](const httplib::Request& req, httplib::Response& res) {
      current_exchange->handled = true;
      apply_reply(handler_(to_request(req)), req, res);
    };
    Get(".*", route);
    Post(".*", route);
    Put(".*", route);
    Patch(".*", route);
    Delete(".*", route);
    Options(".*", route);
    set_keep_alive_max_count(1000000);
  }
  ~Impl() override { svr_sock_ = INVALID_SOCKET; }  // the descriptor is ours; httplib must not close it

  BridgeOutcome process(Transport& t, std::string& input, const PeerInfo& peer, std::string* output) {
    hide_content_type(input);
    TransportStream stream(t, input, peer, timeout_ms_, output);
    BridgeOutcome outcome;
    Exchange exchange{&outcome};
    current_exchange = &exchange;
    bool connection_closed = false;
    bool ok = process_request(stream, false, connection_closed, nullptr);
    current_exchange = nullptr;
    if (exchange.deferred) {
      outcome.kind = BridgeOutcome::deferred;
      outcome.reusable = ok && !connection_closed;
      return outcome;
    }
    if (exchange.headers_written) outcome.kind = BridgeOutcome::stream;
    else if (ok && !connection_closed && exchange.handled) outcome.kind = BridgeOutcome::keep_alive;
    else outcome.kind = BridgeOutcome::close;
    if (outcome.kind != BridgeOutcome::stream) outcome.open_stream = nullptr;
    return outcome;
  }

 private:
  ssetool::Handler handler_;
  int timeout_ms_;
};

HttpBridge::HttpBridge(Handler handler, int listen_fd, std::chrono::milliseconds io_timeout)
    : impl_(std::make_unique<Impl>(std::move(handler), listen_fd, io_timeout)) {}

HttpBridge::~HttpBridge() = default;

BridgeOutcome HttpBridge::process(Transport& transport, std::string& input, const PeerInfo& peer,
                                  std::string* output) {
  return impl_->process(transport, input, peer, output);
}

}  // namespace ssetool
