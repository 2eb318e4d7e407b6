// One client's event stream on the stream loop: a bounded queue of frames written to the client's
// socket as HTTP chunks, as many frames per write as are waiting; EPOLLOUT when the socket is full;
// a closed peer noticed at once (EPOLLRDHUP, EPOLLHUP, or a read of 0); a low-water callback for a
// producer that waits for a slow client to catch up. Lives on the loop's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ssetool/hub/hub.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/loop/transport.hpp"
#include "ssetool/wire/request.hpp"

namespace ssetool {

// Counters shared by every session of a server (read by /metrics from other threads).
struct DeliveryCounters {
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> bytes{0};
};

// Why a session ended.
enum class SessionEnd { clean, peer_gone, slow, aborted, write_error };
const char* to_string(SessionEnd end);

class Session final : public FrameSink, public std::enable_shared_from_this<Session> {
 public:
  Session(Loop& loop, std::unique_ptr<Transport> transport, Request request, std::uint64_t id,
          std::size_t max_queued_bytes, DeliveryCounters* counters = nullptr);
  ~Session() override;

  // Starts watching the socket. Call once, on the loop's thread, after construction.
  void start();

  // Queues a frame (FrameSink). A client with more than max_queued_bytes waiting is dropped as slow.
  void push(const Frame& frame) override;
  // Encodes and queues one event. Throws InvalidEvent.
  void send(const Event& event);
  // Queues a comment line (": text").
  void comment(std::string_view text);
  // Sends the heartbeat comment if nothing was written for `interval`.
  void heartbeat_if_idle(Loop::Clock::time_point now, std::chrono::microseconds interval);
  void set_heartbeats(bool on) { heartbeats_ = on; }
  // Before start(): false writes the frames as they are, without HTTP chunks, and the end of the stream is the
  // end of the connection (an HTTP/1.0 client). Default: chunked.
  void set_chunked(bool on) { chunked_ = on; }

  // Flushes what is queued, then ends the response cleanly (final chunk) and closes.
  void end();
  // Flushes what is queued, then closes without the final chunk (a fault for clients to handle).
  void end_abruptly();
  // Closes at once, dropping what is queued.
  void abort(SessionEnd why = SessionEnd::aborted);

  // A chunked stream whose connection outlives it: once it ends cleanly (final chunk written), the transport and
  // the bytes the client sent meanwhile (its next request, up to 64 KiB; more, and the connection closes) go to
  // `take`, after the on_close callbacks, instead of being closed. Set before start(): nothing the client sends is
  // dropped then.
  using HandBack = std::function<void(std::unique_ptr<Transport>, std::string input)>;
  void hand_back_at_end(HandBack take) { hand_back_ = std::move(take); }

  // Called once when the session is over, for whatever reason (at once if it is already over).
  void on_close(std::function<void(SessionEnd)> fn) {
    if (state_ == State::closed) fn(end_reason_);
    else on_close_.push_back(std::move(fn));
  }

  // Low water: calls fn each time writes bring the bytes queued for the client down to low_water or below
  // after they were above it. A producer that stopped producing while the client was behind resumes from
  // here (it never polls queued_bytes()); it checks queued_bytes() again then, as it may have queued more
  // since. One callback at a time: a new call replaces it, an empty fn removes it. fn runs on the loop's
  // thread at the end of the loop iteration (never inside push() or send()), and never once the session
  // is closed (on_close says so).
  void on_drained(std::size_t low_water, std::function<void()> fn);

  bool is_open() const { return state_ != State::closed; }
  bool is_ending() const { return state_ == State::ending; }
  const Request& request() const { return request_; }
  std::uint64_t id() const { return id_; }
  std::uint64_t frames_sent() const { return frames_; }
  std::uint64_t bytes_written() const { return bytes_written_; }
  std::size_t queued_bytes() const { return queued_bytes_; }
  // Once closed: the frames that were still queued (or partly written) and so never reached the client.
  std::size_t frames_dropped() const { return frames_dropped_; }
  Loop& loop() { return loop_; }
  Loop::Clock::time_point opened_at() const { return opened_at_; }

 private:
  enum class State { open, ending, closed };
  struct Segment {
    Frame owner;  // keeps the bytes alive; null for the session's own chunk header and trailer
    const char* data;
    std::size_t size;
  };

  enum class WriteResult { drained, blocked, peer_gone, failed };

  void enqueue(const Frame& frame);
  void write_eagerly();
  WriteResult write_out();
  void schedule_flush();
  void flush();
  bool fill_batch();
  void consume(std::size_t written);
  void notify_drained();
  void on_io(std::uint32_t events);
  void want_write(bool on);
  void keep_input(const char* data, std::size_t size);
  void finish(SessionEnd why);

  Loop& loop_;
  std::unique_ptr<Transport> transport_;
  Request request_;
  std::uint64_t id_;
  std::size_t max_queued_;
  DeliveryCounters* counters_;
  State state_ = State::open;
  SessionEnd end_reason_ = SessionEnd::clean;
  bool clean_end_ = true;
  bool final_chunk_queued_ = false;
  bool chunked_ = true;
  bool flush_scheduled_ = false;
  bool writing_blocked_ = false;
  bool heartbeats_ = true;
  std::deque<Frame> queue_;
  std::deque<Segment> inflight_;
  std::size_t queued_bytes_ = 0;
  char chunk_header_[24];
  std::uint64_t frames_ = 0;
  std::uint64_t bytes_written_ = 0;
  std::size_t frames_dropped_ = 0;
  Loop::Clock::time_point opened_at_;
  Loop::Clock::time_point last_activity_;
  std::vector<std::function<void(SessionEnd)>> on_close_;
  std::function<void()> on_drained_;
  HandBack hand_back_;
  std::string kept_input_;  // with hand_back_: what the client sent while the stream was open
  std::size_t low_water_ = 0;
  bool above_low_water_ = false;  // queued_bytes_ rose above low_water_ since on_drained_ was last due
};

}  // namespace ssetool
