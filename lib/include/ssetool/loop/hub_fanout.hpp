// One hub's events fanned out to sessions on several stream loops (--threads N). The hub stays on its own loop
// (ids, history, Last-Event-ID exactly as with one loop); every other loop gets one relay, a single subscriber of
// the hub: a frame published is pushed to each relay once, and each relay hands everything published in one
// iteration of the hub's loop to its loop in one post (one wake-up per loop per batch). That loop then pushes the
// frames to its own sessions, in order.
//
// A session on the hub's loop is subscribed to the hub directly, as without this class. A session on another loop
// asks its relay to join: the hub's loop takes the session's history (Last-Event-ID, replay, the cut-off) from the
// hub, and the session's loop queues it before the session becomes a member, so nothing is missed or doubled.
// subscribe() is called on the session's loop; the fanout must outlive every loop it serves.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ssetool/hub/hub.hpp"
#include "ssetool/loop/loop.hpp"
#include "ssetool/loop/session.hpp"

namespace ssetool {

class HubFanout {
 public:
  // `hub` is used on `hub_loop` only.
  HubFanout(Hub& hub, Loop& hub_loop);
  ~HubFanout();
  HubFanout(const HubFanout&) = delete;
  HubFanout& operator=(const HubFanout&) = delete;

  // On the session's loop: Hub::subscribe's contract, for a session on any loop. The session leaves when it closes.
  void subscribe(Session& session, const std::optional<std::string>& last_event_id, std::size_t replay_last,
                 std::optional<std::uint64_t> published_before);

  // On the hub's loop: subscribe() with a Last-Event-ID for a session on `loop` (any loop, this one included),
  // settled there and then: the session gets what the hub holds after `last_event_id` now, then every later frame.
  // For a caller whose decision depends on the hub's state (pipe --backplane's resume). A session already closed
  // or gone is skipped; one on another loop is only locked on its loop.
  void subscribe_now(const std::weak_ptr<Session>& session, Loop& loop, const std::string& last_event_id);

 private:
  class Relay;
  Relay& relay_for(Loop& loop);

  Hub& hub_;
  Loop& hub_loop_;
  std::mutex relays_mutex_;
  std::unordered_map<Loop*, std::unique_ptr<Relay>> relays_;
};

}  // namespace ssetool
