// One connection's timed playback on the stream loop (see replay/playback.hpp). A single timer at a time drives
// it: each firing writes the due item (or the next piece of it, with --chunking), then arms the timer for the next
// item at its absolute due time.
#include "ssetool/replay/playback.hpp"

#include <algorithm>
#include <cmath>

namespace ssetool {
namespace {

using std::chrono::microseconds;

// A piece after the first of the same item goes out in a later loop iteration, so in a write of its own.
constexpr microseconds kNextIteration{1};

}  // namespace

std::string_view to_string(PlaybackEnd end) {
  switch (end) {
    case PlaybackEnd::complete: return "complete";
    case PlaybackEnd::dropped: return "dropped";
    case PlaybackEnd::stalled: return "stalled";
    case PlaybackEnd::client_gone: return "client-gone";
    case PlaybackEnd::slow: return "slow-client";
    case PlaybackEnd::shutdown: return "shutdown";
    case PlaybackEnd::failed: return "write-error";
  }
  return "?";
}

std::shared_ptr<Playback> Playback::start(Session& session, std::shared_ptr<const Recording> recording, const ReplayResponse& response,
                     const PlaybackSettings& settings, const std::optional<std::string>& last_event_id,
                     std::uint64_t seed, Done done) {
  auto playback = std::make_shared<Playback>(session, std::move(recording), response, settings, seed, std::move(done));
  playback->resume_from(last_event_id);
  session.on_close([playback](SessionEnd why) { playback->on_closed(why); });
  std::weak_ptr<Playback> weak = playback;
  session.on_drained(kBackpressureBytes - 1, [weak] {
    if (auto self = weak.lock()) self->on_drained();
  });
  playback->begin();
  return playback;
}

Playback::Playback(Session& session, std::shared_ptr<const Recording> recording, const ReplayResponse& response,
                   const PlaybackSettings& settings, std::uint64_t seed, Done done)
    : session_(session),
      weak_session_(session.weak_from_this()),
      recording_(std::move(recording)),
      response_(response),
      settings_(settings),
      done_(std::move(done)),
      random_(seed) {
  compute_offsets();
}

// Each item's offset from the start of its pass; an item without a recorded time comes `interval` after the last.
void Playback::compute_offsets() {
  const auto& items = response_.items;
  offsets_.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].at) offsets_.push_back(*items[i].at);
    else offsets_.push_back(i == 0 ? microseconds(0) : offsets_.back() + settings_.interval);
  }
  microseconds last = offsets_.empty() ? microseconds(0) : offsets_.back();
  pass_length_ = response_.end_at ? std::max(*response_.end_at, last) : last + settings_.interval;
}

void Playback::resume_from(const std::optional<std::string>& last_event_id) {
  if (!last_event_id) return;
  std::optional<Position> found = find_event(*last_event_id);
  if (!found) {
    result_.resume_unknown = true;
    return;
  }
  result_.resumed_after = *last_event_id;
  skipped_ = offset_of(*found);
  position_ = {found->pass, found->index + 1};
}

// The event a client with this Last-Event-ID saw last: an original id, or (with --loop) a later pass's shifted one.
std::optional<Playback::Position> Playback::find_event(const std::string& id) const {
  if (auto found = find_in_pass(id, 0)) return found;
  if (!settings_.loop) return std::nullopt;
  if (is_numeric_id(id)) {
    std::uint64_t n = std::stoull(id), span = std::max<std::uint64_t>(response_.max_numeric_id, 1);
    if (n == 0) return std::nullopt;
    std::uint64_t pass = (n - 1) / span;
    return find_in_pass(std::to_string(n - pass * span), pass);
  }
  std::size_t dash = id.rfind('-');
  if (dash == std::string::npos || !is_numeric_id(id.substr(dash + 1))) return std::nullopt;
  std::uint64_t pass_number = std::stoull(id.substr(dash + 1));
  if (pass_number < 2) return std::nullopt;
  return find_in_pass(id.substr(0, dash), pass_number - 1);
}

std::optional<Playback::Position> Playback::find_in_pass(const std::string& original_id, std::uint64_t pass) const {
  const auto& items = response_.items;
  for (std::size_t i = 0; i < items.size(); ++i)
    if (items[i].dispatches && items[i].last_id == original_id) return Position{pass, i};
  return std::nullopt;
}

microseconds Playback::offset_of(Position p) const {
  microseconds base = pass_length_ * static_cast<std::int64_t>(p.pass);
  if (p.index < offsets_.size()) return base + offsets_[p.index];
  return base + pass_length_;
}

// When something `offset` into the recording is due: relative to where playback started, scaled by the speed.
Loop::Clock::time_point Playback::at_offset(microseconds offset) const {
  if (settings_.speed <= 0) return origin_;
  return origin_ + microseconds(std::llround(static_cast<double>((offset - skipped_).count()) / settings_.speed));
}

Loop::Clock::time_point Playback::due(Position p) {
  auto when = at_offset(offset_of(p));
  if (settings_.jitter.count() > 0)
    when += microseconds(std::uniform_int_distribution<std::int64_t>(0, settings_.jitter.count())(random_));
  return when;
}

void Playback::begin() {
  origin_ = Loop::Clock::now() + settings_.first_byte_delay;
  if (fault_applies()) return;
  if (position_.index >= response_.items.size()) {
    end_of_recording();
    return;
  }
  schedule(due(position_));
}

void Playback::schedule(Loop::Clock::time_point when) {
  std::weak_ptr<Playback> weak = weak_from_this();
  timer_ = session_.loop().add_timer(when, [weak] {
    if (auto self = weak.lock()) self->step();
  });
}

// The timer fired: write what is due. Items of one recorded read (`joined`) go out together.
void Playback::step() {
  timer_ = 0;
  auto session = weak_session_.lock();
  if (!session || !session->is_open() || session->is_ending()) return;
  if (at_end_) {
    finish_recording();
    return;
  }
  if (session->queued_bytes() >= kBackpressureBytes) {
    waiting_for_drain_ = true;  // until the session has drained below kBackpressureBytes (on_drained)
    return;
  }
  for (;;) {
    if (!in_item_) load_item();
    if (next_piece_ < pieces_.size()) {
      std::string_view piece = pieces_[next_piece_++];
      session->push(std::make_shared<const std::string>(piece));
    }
    if (next_piece_ < pieces_.size()) {
      schedule(Loop::Clock::now() + kNextIteration);
      return;
    }
    if (!finish_item()) return;
    if (!response_.items[position_.index].joined) {
      schedule(due(position_));
      return;
    }
    if (settings_.chunking != Chunking::event) {
      schedule(Loop::Clock::now() + kNextIteration);
      return;
    }
  }
}

// Prepares the pieces of the item at the current position. In a later --loop pass of a bytes recording, the
// pieces that do not complete an event are skipped: the events are encoded again with their shifted ids.
void Playback::load_item() {
  const ReplayItem& item = response_.items[position_.index];
  in_item_ = true;
  next_piece_ = 0;
  pieces_.clear();
  if (position_.pass == 0) {
    current_frame_ = item.bytes;
  } else if (item.event && (response_.from_bytes || item.event->id)) {
    Event event = *item.event;
    if (event.id) event.id = shifted_id(*event.id, position_.pass);
    current_frame_ = std::make_shared<const std::string>(encode(event));
  } else if (response_.from_bytes) {
    return;  // skipped
  } else {
    current_frame_ = item.bytes;
  }
  pieces_ = cut_into_pieces(*current_frame_, settings_.chunking, random_);
}

// Counts the item just written and moves on. False when playback stops here (a fault, or the end).
bool Playback::finish_item() {
  in_item_ = false;
  if (!held_.empty()) {
    std::vector<Frame> held = std::move(held_);
    held_.clear();
    push(held);
  }
  if (response_.items[position_.index].dispatches) ++result_.events_sent;
  ++position_.index;
  if (fault_applies()) return false;
  if (position_.index < response_.items.size()) return true;
  end_of_recording();
  return false;
}

// --drop-after and --stall-after, checked before the first item and after each one. True when one applied.
bool Playback::fault_applies() {
  std::uint64_t sent = result_.events_sent;
  if (settings_.drop_after && sent >= *settings_.drop_after) {
    ended_by_us_ = true;
    result_.end = PlaybackEnd::dropped;
    session_.end_abruptly();
    return true;
  }
  if (settings_.stall_after && sent >= *settings_.stall_after) {
    stalled_ = true;
    session_.set_heartbeats(false);
    return true;
  }
  return false;
}

// Every item of the pass was written: start the next pass (--loop), or end the response at its recorded end.
void Playback::end_of_recording() {
  if (settings_.loop && !response_.items.empty()) {
    ++position_.pass;
    position_.index = 0;
    // A pass always starts in a later loop iteration, so that even a zero-length pass cannot spin the loop.
    schedule(std::max(due(position_), Loop::Clock::now() + kNextIteration));
    return;
  }
  at_end_ = true;
  microseconds last = offsets_.empty() ? microseconds(0) : offsets_.back();
  microseconds end = pass_length_ * static_cast<std::int64_t>(position_.pass) +
                     (response_.end_at ? std::max(*response_.end_at, last) : last);
  auto when = at_offset(end);
  if (when <= Loop::Clock::now()) finish_recording();
  else schedule(when);
}

void Playback::finish_recording() {
  ended_by_us_ = true;
  if (response_.ends_abruptly) {
    result_.end = PlaybackEnd::dropped;
    session_.end_abruptly();
  } else {
    result_.end = PlaybackEnd::complete;
    session_.end();
  }
}

std::string Playback::shifted_id(const std::string& id, std::uint64_t pass) const {
  if (!is_numeric_id(id)) return id + "-" + std::to_string(pass + 1);
  std::uint64_t span = std::max<std::uint64_t>(response_.max_numeric_id, 1);
  return std::to_string(std::stoull(id) + pass * span);
}

void Playback::push(const std::vector<Frame>& frames) {
  auto session = weak_session_.lock();
  if (!session || !session->is_open() || session->is_ending()) return;
  if (in_item_) {
    held_.insert(held_.end(), frames.begin(), frames.end());
    return;
  }
  for (const Frame& frame : frames) session->push(frame);
}

// The client's queue fell below kBackpressureBytes: play on if playback was waiting for that.
void Playback::on_drained() {
  if (!waiting_for_drain_) return;
  waiting_for_drain_ = false;
  step();
}

void Playback::on_closed(SessionEnd why) {
  if (timer_) session_.loop().cancel_timer(timer_);
  timer_ = 0;
  bool ours = ended_by_us_ && (why == SessionEnd::clean || why == SessionEnd::aborted);
  if (!ours) {
    switch (why) {
      case SessionEnd::clean:
      case SessionEnd::aborted: result_.end = PlaybackEnd::shutdown; break;
      case SessionEnd::peer_gone: result_.end = PlaybackEnd::client_gone; break;
      case SessionEnd::slow: result_.end = PlaybackEnd::slow; break;
      case SessionEnd::write_error: result_.end = PlaybackEnd::failed; break;
    }
    if (stalled_) result_.end = PlaybackEnd::stalled;
  }
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(result_);
}

}  // namespace ssetool
