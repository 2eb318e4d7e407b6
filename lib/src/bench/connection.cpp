// One client stream of `ssetool bench` (see bench/connection.hpp).
#include "ssetool/bench/connection.hpp"

#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/bench/stamp.hpp"

namespace ssetool {
namespace {

constexpr int kStalledReceiveBuffer = 4096;  // a stalled client's SO_RCVBUF: the server sees it full soon

std::uint64_t micros_between(Loop::Clock::time_point from, Loop::Clock::time_point to) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
  return us > 0 ? static_cast<std::uint64_t>(us) : 0;
}

bool starts_with_event_stream(std::string content_type) {
  for (char& c : content_type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  constexpr std::string_view kType = "text/event-stream";
  if (content_type.compare(0, kType.size(), kType) != 0) return false;
  return content_type.size() == kType.size() || content_type[kType.size()] == ';' ||
         content_type[kType.size()] == ' ';
}

}  // namespace

BenchConnection::BenchConnection(BenchContext& context, bool stalled)
    : ctx_(context),
      stalled_(stalled),
      reader_({.on_head = [this] { return on_head(); },
               .on_body =
                   [this](std::string_view body) {
                     ctx_.stats.bytes += body.size();
                     parser_.feed(body);
                   }}),
      parser_({.on_event = [this](ParsedEvent&& e) { on_event(std::move(e)); }}) {}

BenchConnection::~BenchConnection() { close(); }

void BenchConnection::open() {
  started_ = Loop::Clock::now();
  fd_ = ::socket(ctx_.address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail(std::string("socket: ") + std::strerror(errno));
  if (stalled_) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &kStalledReceiveBuffer, sizeof kStalledReceiveBuffer);
  int rc = ::connect(fd_, ctx_.address.get(), ctx_.address.length);
  if (rc != 0 && errno != EINPROGRESS) return fail(std::string("connect: ") + std::strerror(errno));
  phase_ = Phase::connecting;
  watching_ = EPOLLOUT;
  ctx_.loop.watch(fd_, EPOLLOUT, [this](std::uint32_t events) { on_io(events); });
  timeout_ = ctx_.loop.add_timer(ctx_.connect_timeout, [this] {
    timeout_ = 0;
    fail("no response head within " + std::to_string(ctx_.connect_timeout.count()) + " ms");
  });
}

void BenchConnection::on_io(std::uint32_t events) {
  switch (phase_) {
    case Phase::connecting: {
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) return fail(std::string("connect: ") + std::strerror(error));
      if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) on_connected();
      return;
    }
    case Phase::handshaking:
      return continue_handshake();
    case Phase::sending:
      return send_request();
    case Phase::reading_head:
    case Phase::streaming:
      return read_available();
    default:
      return;
  }
}

void BenchConnection::on_connected() {
  if (ctx_.tls == nullptr) {
    phase_ = Phase::sending;
    return send_request();
  }
  try {
    tls_ = std::make_unique<BenchTlsSession>(*ctx_.tls, fd_, ctx_.tls_host);
  } catch (const SystemError& e) {
    return fail(e.what());
  }
  phase_ = Phase::handshaking;
  continue_handshake();
}

void BenchConnection::continue_handshake() {
  switch (tls_->handshake()) {
    case BenchTlsSession::Step::want_read: return wait_for(EPOLLIN);
    case BenchTlsSession::Step::want_write: return wait_for(EPOLLOUT);
    case BenchTlsSession::Step::failed: return fail("TLS handshake: " + tls_->error());
    case BenchTlsSession::Step::done: break;
  }
  phase_ = Phase::sending;
  wait_for(EPOLLOUT);
  send_request();
}

void BenchConnection::wait_for(std::uint32_t events) {
  if (events == watching_) return;
  watching_ = events;
  ctx_.loop.modify(fd_, events);
}

// The socket, or the TLS session over it: the same contract as recv/send (-1 with errno EAGAIN: try later).
ssize_t BenchConnection::receive(char* buffer, std::size_t length) {
  if (!tls_) return ::recv(fd_, buffer, length, 0);
  ssize_t n = tls_->read(buffer, length);
  if (n < 0 && errno == EAGAIN && tls_->last_step() == BenchTlsSession::Step::want_write) wait_for(EPOLLOUT);
  return n;
}

ssize_t BenchConnection::transmit(const char* data, std::size_t length) {
  if (!tls_) return ::send(fd_, data, length, MSG_NOSIGNAL);
  return tls_->write(data, length);
}

void BenchConnection::send_request() {
  const std::string& request = ctx_.request;
  while (request_sent_ < request.size()) {
    ssize_t n = transmit(request.data() + request_sent_, request.size() - request_sent_);
    if (n < 0 && errno == EAGAIN) {  // TLS may wait to read (a renegotiation): watch what it waits for
      wait_for(tls_ && tls_->last_step() == BenchTlsSession::Step::want_read ? EPOLLIN : EPOLLOUT);
      return;
    }
    if (n < 0) return fail(std::string("send: ") + std::strerror(errno));
    request_sent_ += static_cast<std::size_t>(n);
  }
  if (stalled_) {
    phase_ = Phase::stalled;
    ctx_.loop.unwatch(fd_);  // never read again
    ++ctx_.stats.stalled;
    settle();
    return;
  }
  phase_ = Phase::reading_head;
  wait_for(EPOLLIN | EPOLLRDHUP);
}

// Plain TCP: one recv per wake-up (epoll is level-triggered). TLS: until the session would block, since records it
// has already read from the socket would not wake epoll again.
void BenchConnection::read_available() {
  std::vector<char>& buffer = ctx_.read_buffer;
  ssize_t n;
  do {
    n = receive(buffer.data(), buffer.size());
    if (n <= 0) break;
    read_epoch_us_ = realtime_micros();
    read_at_ = Loop::Clock::now();
    on_bytes(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  } while (tls_ && (phase_ == Phase::reading_head || phase_ == Phase::streaming));
  if (n > 0) return;
  if (tls_ && watching_ == EPOLLOUT && n < 0 && errno == EAGAIN) return;  // the session waits to write
  if (tls_ && n < 0 && errno == EAGAIN) wait_for(EPOLLIN | EPOLLRDHUP);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n == 0) {  // the server closed the connection: complete or cut short, as the response's framing says
    ResponseReader::State state = reader_.finish();
    if (phase_ == Phase::reading_head) return fail(reader_.error());
    if (state == ResponseReader::State::complete) return end_cleanly();
    return drop(reader_.error());
  }
  std::string why = std::string("recv: ") + std::strerror(errno);
  if (phase_ == Phase::reading_head) return fail(why);
  drop(why);
}

void BenchConnection::on_bytes(std::string_view bytes) {
  ResponseReader::State state;
  try {
    state = reader_.feed(bytes);
  } catch (const LimitExceeded& e) {
    return drop(e.what());
  }
  if (state == ResponseReader::State::failed) {
    if (phase_ == Phase::reading_head) fail(reader_.error());
    else drop(reader_.error());
  } else if (state == ResponseReader::State::complete && phase_ == Phase::streaming) {
    end_cleanly();
  }
}

bool BenchConnection::on_head() {
  if (reader_.status() != 200) {
    std::string status = "HTTP " + std::to_string(reader_.status());
    if (!reader_.reason().empty()) status += " " + reader_.reason();
    fail(status);
    return false;
  }
  std::string type = reader_.header("Content-Type");
  if (!starts_with_event_stream(type)) {
    fail("Content-Type '" + type + "' is not text/event-stream");
    return false;
  }
  phase_ = Phase::streaming;
  ++ctx_.stats.opened;
  ctx_.stats.connect_us.record(micros_between(started_, read_at_));
  settle();
  return true;
}

void BenchConnection::on_event(ParsedEvent&& event) {
  BenchStats& stats = ctx_.stats;
  ++stats.events;
  if (!stats.first_event_at) stats.first_event_at = read_at_;
  stats.last_event_at = read_at_;
  if (!got_event_) {
    got_event_ = true;
    stats.first_event_us.record(micros_between(started_, read_at_));
  } else if (ctx_.expect_gap) {
    auto gap = std::chrono::duration_cast<std::chrono::microseconds>(read_at_ - last_arrival_);
    auto error = gap - *ctx_.expect_gap;
    stats.gap_error_us.record(static_cast<std::uint64_t>(error.count() < 0 ? -error.count() : error.count()));
  }
  last_arrival_ = read_at_;
  count_id(event);
  if (auto stamp = parse_send_stamp(event.data))
    stats.latency_us.record(read_epoch_us_ > *stamp ? read_epoch_us_ - *stamp : 0);
}

void BenchConnection::count_id(const ParsedEvent& event) {
  if (!event.id_in_block) return;
  auto id = parse_numeric_id(event.last_event_id);
  if (!id) return;
  if (!numeric_ids_) {
    numeric_ids_ = true;
    ++ctx_.stats.numeric_id_streams;
  } else if (*id <= last_id_) {
    ++ctx_.stats.reordered;
    return;
  } else {
    ctx_.stats.lost += *id - last_id_ - 1;
  }
  last_id_ = *id;
}

void BenchConnection::fail(const std::string& reason) {
  if (phase_ == Phase::closed) return;
  ++ctx_.stats.failed;
  ctx_.stats.failures.add(reason);
  settle();
  finish_connection();
}

void BenchConnection::drop(const std::string& reason) {
  if (phase_ == Phase::closed) return;
  ++ctx_.stats.dropped;
  ctx_.stats.failures.add("dropped: " + reason);
  finish_connection();
}

void BenchConnection::end_cleanly() {
  if (phase_ == Phase::closed) return;
  ++ctx_.stats.ended;
  finish_connection();
}

void BenchConnection::settle() {
  if (settled_) return;
  settled_ = true;
  ctx_.loop.cancel_timer(timeout_);
  timeout_ = 0;
  if (ctx_.on_settled) ctx_.on_settled(*this);
}

void BenchConnection::finish_connection() {
  close();
  if (ctx_.on_closed) ctx_.on_closed(*this);
}

void BenchConnection::close() {
  if (timeout_ != 0) ctx_.loop.cancel_timer(timeout_);
  timeout_ = 0;
  if (fd_ >= 0) {
    if (phase_ != Phase::stalled) ctx_.loop.unwatch(fd_);
    tls_.reset();
    ::close(fd_);
    fd_ = -1;
  }
  phase_ = Phase::closed;
}

}  // namespace ssetool
