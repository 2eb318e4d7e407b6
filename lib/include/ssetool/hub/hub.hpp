// The hub: numbers published events (the id rule below), encodes each one once into an immutable frame, keeps
// a bounded history for Last-Event-ID resume, and offers every frame to each subscriber. It knows nothing of
// sockets or HTTP: a subscriber is anything that accepts frames. Single-threaded: call it from one thread
// (the stream loop); sources reach it through a Publisher. Only published() and history_length() may be read
// from any thread (a worker taking a new client's cut-off, /metrics).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "ssetool/wire/event.hpp"
#include "ssetool/wire/frame.hpp"

namespace ssetool {

// Whatever receives frames: a client's stream. push() must not call back into the hub.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void push(const Frame& frame) = 0;
};

enum class IdMode { automatic, none };

// The id rule, so that ids sent never repeat or go back and a resume can never skip an event:
// - a numeric id is 1 to 18 decimal digits without a leading zero ("0" included);
// - an event without an id (or with an empty one) gets the next automatic id: one more than the largest numeric
//   id sent so far (IdMode::none: it gets none);
// - an event's own numeric id is kept when it is greater than every numeric id sent so far, else replaced;
// - an event's own non-numeric id is kept unless an event still in the history has it, else replaced;
// - replaced means: given the next automatic id (IdMode::none: sent without an id).
// An id that has left the history is not remembered: an input that reuses a non-numeric id is only checked
// against the history.
struct IdReplaced {
  std::string given;  // the event's own id
  std::string sent;   // the id it was sent with ("" for none)
  std::string why;    // "is not greater than 5, the largest id sent so far", "is already in the history"
};

struct HubOptions {
  std::size_t history = 1000;  // events kept for resume; the oldest is forgotten first
  IdMode ids = IdMode::automatic;
};

// What a resuming subscriber was told about its Last-Event-ID.
enum class Resume { fresh, resumed, gap };

class Hub {
 public:
  explicit Hub(HubOptions options = {});

  // Settles the event's id (the id rule above), encodes once, stores, fans out. Says when the event's own id was
  // replaced. Throws InvalidEvent for an event that cannot be encoded; nothing is stored then.
  std::optional<IdReplaced> publish(Event event);

  // Adds a subscriber. With a last_event_id, it first receives every stored event after that id; when the
  // id is not in the history it receives a `gap` event (see gap_frame) then the whole history. Without one
  // it receives the last `replay_last` events, and every event published after the first `published_before`
  // ones (the count when the client's request was accepted: nothing published while its stream was being
  // set up is missed). Then the live ones.
  Resume subscribe(FrameSink* sink, const std::optional<std::string>& last_event_id, std::size_t replay_last,
                   std::optional<std::uint64_t> published_before = std::nullopt);
  void unsubscribe(FrameSink* sink);

  std::size_t subscribers() const { return sinks_.size(); }
  // The id the last published event was sent with ("" for none, or before the first).
  const std::string& last_id() const { return last_id_; }
  // Thread-safe: events published so far, and events kept for resume.
  std::size_t history_length() const { return history_length_.load(std::memory_order_relaxed); }
  std::uint64_t published() const { return published_.load(std::memory_order_relaxed); }

  // The in-band gap signal: `event: gap` with JSON data {"last_event_id": ID, "oldest_id": ID}.
  static Frame gap_frame(const std::string& requested_id, const std::string& oldest_id);

 private:
  struct Stored {
    std::string id;
    Frame frame;
  };

  std::optional<IdReplaced> settle_id(Event& event);
  void store(std::string id, const Frame& frame);

  HubOptions options_;
  std::deque<Stored> history_;
  std::vector<FrameSink*> sinks_;
  std::uint64_t last_numeric_ = 0;                  // the largest numeric id sent so far
  std::unordered_set<std::string> named_in_history_;  // the non-numeric ids in history_ (each there once)
  std::string last_id_;
  std::atomic<std::uint64_t> published_{0};       // written by the hub's thread only
  std::atomic<std::size_t> history_length_{0};    // history_.size(), for other threads
};

}  // namespace ssetool
