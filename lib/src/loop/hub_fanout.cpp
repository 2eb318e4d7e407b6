// Fan-out of one hub to sessions on several loops (see loop/hub_fanout.hpp).
#include "ssetool/loop/hub_fanout.hpp"

#include <algorithm>
#include <vector>

namespace ssetool {
namespace {

// Collects what Hub::subscribe hands a new subscriber (the gap signal, the history it asked for).
class Collector final : public FrameSink {
 public:
  void push(const Frame& frame) override { frames.push_back(frame); }
  std::vector<Frame> frames;
};

}  // namespace

// The hub's subscriber for one loop. push() and flush() run on the hub's loop; members_ lives on the relay's loop.
class HubFanout::Relay final : public FrameSink {
 public:
  Relay(Loop& hub_loop, Loop& loop) : hub_loop_(hub_loop), loop_(loop) {}

  Loop& loop() { return loop_; }
  bool subscribed = false;  // to the hub (hub's loop)

  void push(const Frame& frame) override {
    if (pending_.empty()) hub_loop_.defer([this] { flush(); });
    pending_.push_back(frame);
  }

  // Hub's loop: hands what was published so far to the relay's loop.
  void flush() {
    if (pending_.empty()) return;
    loop_.post([this, batch = std::move(pending_)] { deliver(batch); });
    pending_.clear();
  }

  // Relay's loop: the session gets its history, then every batch posted after this join.
  void join(const std::weak_ptr<Session>& weak, const std::vector<Frame>& history) {
    auto session = weak.lock();
    if (!session || !session->is_open()) return;
    for (const Frame& f : history) session->push(f);
    members_.push_back(session.get());
  }

  // Relay's loop.
  void leave(Session* session) {
    auto it = std::find(members_.begin(), members_.end(), session);
    if (it == members_.end()) return;
    *it = members_.back();
    members_.pop_back();
  }

 private:
  // Relay's loop. A session that falls behind is dropped later (deferred), never inside this iteration.
  void deliver(const std::vector<Frame>& batch) {
    for (Session* s : members_)
      for (const Frame& f : batch) s->push(f);
  }

  Loop& hub_loop_;
  Loop& loop_;
  std::vector<Frame> pending_;    // hub's loop
  std::vector<Session*> members_;  // relay's loop
};

HubFanout::HubFanout(Hub& hub, Loop& hub_loop) : hub_(hub), hub_loop_(hub_loop) {}

HubFanout::~HubFanout() = default;

HubFanout::Relay& HubFanout::relay_for(Loop& loop) {
  std::lock_guard lock(relays_mutex_);
  auto& relay = relays_[&loop];
  if (!relay) relay = std::make_unique<Relay>(hub_loop_, loop);
  return *relay;
}

void HubFanout::subscribe(Session& session, const std::optional<std::string>& last_event_id,
                          std::size_t replay_last, std::optional<std::uint64_t> published_before) {
  if (&session.loop() == &hub_loop_) {
    hub_.subscribe(&session, last_event_id, replay_last, published_before);
    session.on_close([this, s = &session](SessionEnd) { hub_.unsubscribe(s); });
    return;
  }
  Relay& relay = relay_for(session.loop());
  session.on_close([&relay, s = &session](SessionEnd) { relay.leave(s); });
  std::weak_ptr<Session> weak = session.weak_from_this();
  hub_loop_.post([this, &relay, weak, last_event_id, replay_last, published_before] {
    if (!relay.subscribed) {
      hub_.subscribe(&relay, std::nullopt, 0);
      relay.subscribed = true;
    }
    Collector history;
    hub_.subscribe(&history, last_event_id, replay_last, published_before);
    hub_.unsubscribe(&history);
    relay.flush();  // what was published before this join goes first (the history has it already)
    relay.loop().post([&relay, weak, frames = std::move(history.frames)] { relay.join(weak, frames); });
  });
}

void HubFanout::subscribe_now(const std::weak_ptr<Session>& weak, Loop& loop, const std::string& last_event_id) {
  if (&loop == &hub_loop_) {
    auto session = weak.lock();
    if (session && session->is_open()) subscribe(*session, last_event_id, 0, std::nullopt);
    return;
  }
  Relay& relay = relay_for(loop);
  if (!relay.subscribed) {
    hub_.subscribe(&relay, std::nullopt, 0);
    relay.subscribed = true;
  }
  Collector history;
  hub_.subscribe(&history, last_event_id, 0);
  hub_.unsubscribe(&history);
  relay.flush();
  loop.post([&relay, weak, frames = std::move(history.frames)] {
    relay.join(weak, frames);
    auto session = weak.lock();
    if (session && session->is_open()) session->on_close([&relay, s = session.get()](SessionEnd) { relay.leave(s); });
  });
}

}  // namespace ssetool
