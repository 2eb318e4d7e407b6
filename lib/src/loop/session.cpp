// One client's stream on the loop (see loop/session.hpp).
#include "ssetool/loop/session.hpp"

#include <cerrno>
#include <charconv>
#include <sys/epoll.h>

namespace ssetool {
namespace {

constexpr int kMaxIov = 64;
constexpr std::size_t kMaxBatchBytes = 256 * 1024;
constexpr std::size_t kEagerWriteBytes = 64 * 1024;
constexpr char kChunkTrailer[] = "\r\n";
constexpr char kFinalChunk[] = "0\r\n\r\n";
constexpr std::uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP;
constexpr std::size_t kMaxKeptInput = 64 * 1024;  // hand_back_at_end: the client's next request, read early

const Frame& heartbeat_frame() {
  static const Frame frame = std::make_shared<const std::string>(":\n\n");
  return frame;
}

}  // namespace

const char* to_string(SessionEnd end) {
  switch (end) {
    case SessionEnd::clean: return "ended";
    case SessionEnd::peer_gone: return "client gone";
    case SessionEnd::slow: return "dropped: slow client";
    case SessionEnd::aborted: return "aborted";
    case SessionEnd::write_error: return "write error";
  }
  return "?";
}

Session::Session(Loop& loop, std::unique_ptr<Transport> transport, Request request, std::uint64_t id,
                 std::size_t max_queued_bytes, DeliveryCounters* counters)
    : loop_(loop),
      transport_(std::move(transport)),
      request_(std::move(request)),
      id_(id),
      max_queued_(max_queued_bytes),
      counters_(counters),
      opened_at_(Loop::Clock::now()),
      last_activity_(opened_at_) {}

Session::~Session() {
  if (state_ != State::closed && transport_) loop_.unwatch(transport_->fd());
}

void Session::start() {
  std::weak_ptr<Session> weak = weak_from_this();
  loop_.watch(transport_->fd(), kReadEvents, [weak](std::uint32_t events) {
    if (auto self = weak.lock()) self->on_io(events);
  });
  if (!queue_.empty()) schedule_flush();
}

void Session::push(const Frame& frame) {
  if (state_ != State::open) return;
  ++frames_;
  enqueue(frame);
}

void Session::enqueue(const Frame& frame) {
  // One frame is always accepted when nothing waits, so an event larger than the limit still goes out.
  if (queued_bytes_ > 0 && queued_bytes_ + frame->size() > max_queued_) {
    state_ = State::ending;  // refuse further frames until the deferred close below
    clean_end_ = false;
    std::weak_ptr<Session> weak = weak_from_this();
    loop_.defer([weak] {
      if (auto self = weak.lock()) self->abort(SessionEnd::slow);
    });
    return;
  }
  queue_.push_back(frame);
  queued_bytes_ += frame->size();
  if (queued_bytes_ > low_water_) above_low_water_ = true;
  last_activity_ = Loop::Clock::now();
  if (queued_bytes_ >= kEagerWriteBytes && !writing_blocked_) write_eagerly();
  else schedule_flush();
}

// A large batch is being queued: write now rather than at the end of the iteration, so a fast client's
// socket absorbs it and only a slow client's queue grows. Ending is deferred: the caller may be iterating.
void Session::write_eagerly() {
  WriteResult result = write_out();
  if (result == WriteResult::drained || result == WriteResult::blocked) return;
  state_ = State::ending;
  clean_end_ = false;
  SessionEnd why = result == WriteResult::peer_gone ? SessionEnd::peer_gone : SessionEnd::write_error;
  std::weak_ptr<Session> weak = weak_from_this();
  loop_.defer([weak, why] {
    if (auto self = weak.lock()) self->abort(why);
  });
}

void Session::send(const Event& event) { push(std::make_shared<const std::string>(encode(event))); }

void Session::comment(std::string_view text) {
  if (state_ == State::open) enqueue(std::make_shared<const std::string>(encode_comment(text)));
}

void Session::heartbeat_if_idle(Loop::Clock::time_point now, std::chrono::microseconds interval) {
  if (state_ == State::open && heartbeats_ && queued_bytes_ == 0 && now - last_activity_ >= interval)
    enqueue(heartbeat_frame());
}

void Session::on_drained(std::size_t low_water, std::function<void()> fn) {
  low_water_ = low_water;
  on_drained_ = std::move(fn);
  above_low_water_ = queued_bytes_ > low_water_;
}

void Session::end() {
  if (state_ != State::open) return;
  state_ = State::ending;
  schedule_flush();
}

void Session::end_abruptly() {
  if (state_ != State::open) return;
  state_ = State::ending;
  clean_end_ = false;
  schedule_flush();
}

void Session::abort(SessionEnd why) {
  if (state_ == State::closed) return;
  finish(why);
}

void Session::schedule_flush() {
  if (flush_scheduled_ || writing_blocked_ || !transport_) return;
  flush_scheduled_ = true;
  std::weak_ptr<Session> weak = weak_from_this();
  loop_.defer([weak] {
    if (auto self = weak.lock()) self->flush();
  });
}

// Moves up to kMaxIov frames from the queue into one HTTP chunk in flight (or as they are, unchunked). False when nothing is left.
bool Session::fill_batch() {
  if (queue_.empty()) {
    if (!chunked_ || state_ != State::ending || final_chunk_queued_ || !clean_end_) return false;
    final_chunk_queued_ = true;
    inflight_.push_back({nullptr, kFinalChunk, sizeof kFinalChunk - 1});
    return true;
  }
  std::size_t bytes = 0, count = 0;
  while (count < queue_.size() && count < kMaxIov - 2 && bytes < kMaxBatchBytes) bytes += queue_[count++]->size();
  if (chunked_) {
    char* end = std::to_chars(chunk_header_, chunk_header_ + sizeof chunk_header_ - 2, bytes, 16).ptr;  // lower-case hex
    *end++ = '\r';
    *end++ = '\n';
    inflight_.push_back({nullptr, chunk_header_, static_cast<std::size_t>(end - chunk_header_)});
  }
  for (std::size_t i = 0; i < count; ++i) {
    inflight_.push_back({queue_.front(), queue_.front()->data(), queue_.front()->size()});
    queue_.pop_front();
  }
  if (chunked_) inflight_.push_back({nullptr, kChunkTrailer, 2});
  return true;
}

void Session::consume(std::size_t written) {
  bytes_written_ += written;
  if (counters_) counters_->bytes.fetch_add(written, std::memory_order_relaxed);
  while (written > 0) {
    Segment& s = inflight_.front();
    std::size_t used = std::min(written, s.size);
    s.data += used;
    s.size -= used;
    written -= used;
    if (s.owner) queued_bytes_ -= used;
    if (s.size == 0) {
      if (s.owner && counters_) counters_->frames.fetch_add(1, std::memory_order_relaxed);
      inflight_.pop_front();
    }
  }
  if (above_low_water_ && queued_bytes_ <= low_water_) {
    above_low_water_ = false;
    notify_drained();
  }
}

// Deferred: a write can happen inside push() (write_eagerly), where the producer must not be re-entered.
void Session::notify_drained() {
  if (!on_drained_) return;
  std::weak_ptr<Session> weak = weak_from_this();
  loop_.defer([weak] {
    auto self = weak.lock();
    if (!self || self->state_ == State::closed || !self->on_drained_) return;
    auto fn = self->on_drained_;  // a copy: fn may replace or remove the callback
    fn();
  });
}

// Writes as much as the socket takes. Never ends the session itself: it says why it should end.
Session::WriteResult Session::write_out() {
  for (;;) {
    if (inflight_.empty() && !fill_batch()) return WriteResult::drained;
    iovec iov[kMaxIov];
    int n = 0;
    for (auto it = inflight_.begin(); it != inflight_.end() && n < kMaxIov; ++it, ++n)
      iov[n] = {const_cast<char*>(it->data), it->size};
    ssize_t written = transport_->writev(iov, n);
    if (written < 0 && errno == EAGAIN) {
      want_write(true);
      return WriteResult::blocked;
    }
    if (written <= 0) return errno == EPIPE || errno == ECONNRESET ? WriteResult::peer_gone : WriteResult::failed;
    consume(static_cast<std::size_t>(written));
  }
}

void Session::flush() {
  flush_scheduled_ = false;
  if (state_ == State::closed) return;
  switch (write_out()) {
    case WriteResult::blocked: return;
    case WriteResult::peer_gone: finish(SessionEnd::peer_gone); return;
    case WriteResult::failed: finish(SessionEnd::write_error); return;
    case WriteResult::drained: break;
  }
  want_write(false);
  if (state_ == State::ending && queue_.empty() && inflight_.empty())
    finish(clean_end_ ? SessionEnd::clean : SessionEnd::aborted);
}

void Session::want_write(bool on) {
  if (writing_blocked_ == on || !transport_) return;
  writing_blocked_ = on;
  loop_.modify(transport_->fd(), on ? (kReadEvents | EPOLLOUT) : kReadEvents);
}

void Session::on_io(std::uint32_t events) {
  if (state_ == State::closed) return;
  if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
    finish(SessionEnd::peer_gone);
    return;
  }
  if (events & EPOLLIN) {
    char scratch[4096];  // a stream's client has nothing more to say (ignored), or its next request (kept)
    ssize_t n = transport_->read(scratch, sizeof scratch);
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
      finish(SessionEnd::peer_gone);
      return;
    }
    if (n > 0 && hand_back_) keep_input(scratch, static_cast<std::size_t>(n));
  }
  if (events & EPOLLOUT) {
    writing_blocked_ = false;
    loop_.modify(transport_->fd(), kReadEvents);
    flush();
  }
}

void Session::keep_input(const char* data, std::size_t size) {
  if (kept_input_.size() + size > kMaxKeptInput) {
    hand_back_ = nullptr;  // not a client's next request: the connection closes at the end
    kept_input_.clear();
    kept_input_.shrink_to_fit();
    return;
  }
  kept_input_.append(data, size);
}

void Session::finish(SessionEnd why) {
  state_ = State::closed;
  end_reason_ = why;
  loop_.unwatch(transport_->fd());
  std::unique_ptr<Transport> reusable;
  if (why == SessionEnd::clean && chunked_ && hand_back_) reusable = std::move(transport_);
  else if (why == SessionEnd::clean) transport_->shutdown();
  transport_.reset();
  frames_dropped_ = queue_.size();
  for (const Segment& s : inflight_) frames_dropped_ += s.owner ? 1 : 0;
  queue_.clear();
  inflight_.clear();
  queued_bytes_ = 0;
  on_drained_ = nullptr;
  auto callbacks = std::move(on_close_);
  on_close_.clear();
  for (auto& fn : callbacks) fn(why);
  auto take = std::move(hand_back_);
  hand_back_ = nullptr;
  if (reusable && take) take(std::move(reusable), std::move(kept_input_));
}

}  // namespace ssetool
