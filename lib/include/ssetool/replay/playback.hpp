// One connection's playback of a recorded response for `ssetool replay`, on the stream loop's timers (never a
// thread): each item is written at start + its recorded offset / speed, computed from the start rather than from the
// previous item, so that timer and scheduling errors never add up over a long recording. Faults (drop, stall),
// Last-Event-ID resume, --loop with ids that keep increasing, and --chunking are applied here.
//
// Timing: the start is when the stream opens, plus first_byte_delay. An item without a recorded time comes
// `interval` after the one before it (the first at 0). With --loop a pass lasts until the recorded end of the
// response (or its last item + interval) and the next pass starts there. With speed 0 nothing waits. Each item
// also gets a random extra delay of 0..jitter. When the client has kBackpressureBytes or more waiting, playback
// pauses until the session reports it has drained below that (so a fast --speed 0 --loop never floods a slow
// client into being dropped).
//
// Resume: with a Last-Event-ID, playback continues after the first event whose id it is (in a later --loop pass
// when the id is one of that pass's shifted ids), keeping the recorded gap to the next event. An unknown id plays
// from the beginning.
//
// Pushed events (the control API): push() writes frames into the stream between two items, never inside one
// (with --chunking, after the item being written); they are not counted by --drop-after or --stall-after.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "ssetool/loop/loop.hpp"
#include "ssetool/loop/session.hpp"
#include "ssetool/replay/chunking.hpp"
#include "ssetool/replay/playback_settings.hpp"
#include "ssetool/replay/recording.hpp"

namespace ssetool {

inline constexpr std::size_t kBackpressureBytes = 256 * 1024;

// How a playback ended.
enum class PlaybackEnd {
  complete,     // the recording was played to its end and the response ended cleanly
  dropped,      // cut without the final chunk: --drop-after, or the recording itself ended that way
  stalled,      // --stall-after held it open until the client left or the server stopped
  client_gone,  // the client closed the connection first
  slow,         // the client fell more than --client-buffer behind and was dropped
  shutdown,     // the server stopped (signal, --exit-after, --timeout) while it was playing
  failed,       // a write error
};
std::string_view to_string(PlaybackEnd end);

struct PlaybackResult {
  PlaybackEnd end = PlaybackEnd::complete;
  std::uint64_t events_sent = 0;
  std::optional<std::string> resumed_after;  // the Last-Event-ID it continued after, when it was found
  bool resume_unknown = false;               // a Last-Event-ID was given but is not in the recording
};

class Playback : public std::enable_shared_from_this<Playback> {
 public:
  using Done = std::function<void(const PlaybackResult&)>;

  // Starts playing `response` (which `recording` keeps alive) on `session`, on the loop's thread. Returns at once;
  // timers do the rest. `done` is called once, when the session closes. `seed` drives jitter and random chunking.
  // The playback lives while its session does: keep a weak_ptr to reach it (push).
  static std::shared_ptr<Playback> start(Session& session, std::shared_ptr<const Recording> recording, const ReplayResponse& response,
                    const PlaybackSettings& settings, const std::optional<std::string>& last_event_id,
                    std::uint64_t seed, Done done);

  Playback(Session& session, std::shared_ptr<const Recording> recording, const ReplayResponse& response,
           const PlaybackSettings& settings, std::uint64_t seed, Done done);

  // On the loop's thread: writes these frames (the control API's events) as soon as no item is half written.
  // Nothing once the stream is ending.
  void push(const std::vector<Frame>& frames);

 private:
  struct Position {
    std::uint64_t pass = 0;
    std::size_t index = 0;
  };

  void compute_offsets();
  void resume_from(const std::optional<std::string>& last_event_id);
  std::optional<Position> find_event(const std::string& id) const;
  std::optional<Position> find_in_pass(const std::string& original_id, std::uint64_t pass) const;
  std::chrono::microseconds offset_of(Position p) const;
  Loop::Clock::time_point at_offset(std::chrono::microseconds offset) const;
  Loop::Clock::time_point due(Position p);
  void begin();
  void schedule(Loop::Clock::time_point when);
  void step();
  void load_item();
  bool finish_item();
  bool fault_applies();
  void end_of_recording();
  void finish_recording();
  void on_drained();
  void on_closed(SessionEnd why);
  std::string shifted_id(const std::string& id, std::uint64_t pass) const;

  Session& session_;
  std::weak_ptr<Session> weak_session_;
  std::shared_ptr<const Recording> recording_;
  const ReplayResponse& response_;
  PlaybackSettings settings_;
  Done done_;
  std::mt19937_64 random_;
  std::vector<std::chrono::microseconds> offsets_;  // per item, untimed ones resolved with the interval
  std::chrono::microseconds pass_length_{0};
  std::chrono::microseconds skipped_{0};  // the offset playback resumed at
  Loop::Clock::time_point origin_;
  Position position_;
  Frame current_frame_;                   // the item being written, piece by piece
  std::vector<std::string_view> pieces_;  // views into current_frame_
  std::size_t next_piece_ = 0;
  bool in_item_ = false;                  // an item is loaded and not all of its pieces are written
  bool at_end_ = false;                   // the next firing ends the response
  Loop::TimerId timer_ = 0;
  PlaybackResult result_;
  bool ended_by_us_ = false;  // end()/end_abruptly() called by playback: its outcome is already in result_
  bool stalled_ = false;
  bool waiting_for_drain_ = false;  // step() found the client too far behind and waits for Session::on_drained
  std::vector<Frame> held_;         // pushed while an item was half written: sent once it is complete
};

}  // namespace ssetool
