// BroadcastServer with a backplane (see broadcast/broadcast_server.hpp and backplane/backplane.hpp): the input and
// publish requests are appended to Redis, what the backplane reads back is what the hub publishes, and a resume
// reads what Redis still holds after the client's id.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "ssetool/broadcast/broadcast_server.hpp"
#include "stamp.hpp"

namespace ssetool {
namespace {

// Runs `fn` on `target`: now when the caller is on it (`here`), else posted.
void on_loop(Loop& target, Loop& here, std::function<void()> fn) {
  if (&target == &here) return fn();
  target.post(std::move(fn));
}

}  // namespace

// The backplane, its /healthz state, and its log lines (state changes).
void BroadcastServer::use_backplane(BackplaneOptions options) {
  if (options_.server.verbosity != Verbosity::quiet) options.log = options_.server.log;
  backplane_ = std::make_unique<Backplane>(std::move(options));
  options_.server.unhealthy = [this]() -> std::optional<std::string> {
    if (backplane_->up()) return std::nullopt;
    return "backplane " + backplane_->url().display() + " is down";
  };
}

// Source thread, with a backplane: appends what was read, waiting through outages (the input pauses meanwhile).
bool BroadcastServer::append_input(std::vector<Event>& events) {
  if (options_.stamp)
    for (Event& e : events) stamp(e);
  try {
    return backplane_->append(events, true).has_value();
  } catch (const Error& e) {
    input_fatal_ = true;
    if (options_.server.log) options_.server.log(std::string("backplane: ") + e.what());
    loop_.post([this] { shut_down(false); });
    return false;
  }
}

// Source thread, with a backplane: the local input ended. Closing appends an end record, which ends every node's
// streams once read back (this node's too); staying leaves the stream open to the other publishers.
void BroadcastServer::local_input_ended() {
  if (input_cancelled_) return;  // a stop of this node only
  if (input_fatal_) return loop_.post([this] { shut_down(false); });
  if (stays_at_end()) return;
  backplane_->append_end();
}

// Reader thread: entries were trimmed before this node read them. Its clients are told in band, in the stream's
// order, with the gap event of a resume older than the stream (and how many were lost); without an id, so that a
// client's Last-Event-ID stays the last event it got (a resume from it then gets the gap event again from Redis).
Event BroadcastServer::gap_event(const Backplane::Gap& gap) {
  Event event;
  event.type = "gap";
  event.data = nlohmann::json{{"last_event_id", gap.after}, {"oldest_id", gap.next}, {"skipped", gap.skipped}}.dump();
  return event;
}

// Worker thread: for a Last-Event-ID that is an entry id, what the stream holds after it (nothing when the
// backplane is down: the node's own history then answers). An id past the stream's newest entry was never given
// by it: the node's history answers too (a gap event, as for any unknown id), so that no client waits for ever.
std::optional<Backplane::Backlog> BroadcastServer::backplane_backlog(const Request& req) {
  std::optional<std::string> last = req.last_event_id();
  if (!backplane_ || !last || !entry_id_value(*last)) return std::nullopt;
  try {
    Backplane::Backlog backlog = backplane_->entries_after(*last);
    if (backlog.beyond) return std::nullopt;
    return backlog;
  } catch (const Error&) {
    return std::nullopt;
  }
}

// On the stream's loop (any of them): a resume with what Redis holds after the client's id, worked out on the hub's
// loop (its newest id and the clients waiting are the hub's loop's state).
void BroadcastServer::resume_from_backplane(Session& session, Backplane::Backlog backlog) {
  ++clients_seen_;
  Loop& loop = session.loop();
  std::weak_ptr<Session> weak = session.weak_from_this();
  session.on_close([this, weak, &loop](SessionEnd) { on_loop(loop_, loop, [this, weak] { forget_waiting(weak); }); });
  std::string cursor = session.request().last_event_id().value_or("");
  on_loop(loop_, loop, [this, &loop, weak, cursor = std::move(cursor), backlog = std::move(backlog)]() mutable {
    resume_on_hub_loop(loop, weak, std::move(cursor), backlog);
  });
}

// On the hub's loop. Entries this node has published already come from the backlog (a gap event first when some
// were trimmed away), the rest from the hub through the fan-out: at once, or, for a client ahead of this node (it
// was reading a faster one), once this node has caught up with it (admit_waiting).
void BroadcastServer::resume_on_hub_loop(Loop& loop, const std::weak_ptr<Session>& session, std::string cursor,
                                         const Backplane::Backlog& backlog) {
  std::vector<Frame> frames;
  if (backlog.gap) frames.push_back(Hub::gap_frame(cursor, backlog.oldest));
  const std::string& newest = hub_.last_id();
  for (const StreamEntry& entry : backlog.entries) {
    if (newest.empty() || entry_id_before(newest, entry.id)) break;  // the hub publishes it soon
    frames.push_back(std::make_shared<const std::string>(encode(entry.event)));
    cursor = entry.id;
  }
  // queued on the session's loop before its join (posted after this, or done at once on this loop)
  on_loop(loop, loop_, [session, frames = std::move(frames)] {
    auto s = session.lock();
    if (!s || !s->is_open()) return;
    for (const Frame& f : frames) s->push(f);
  });
  if (newest.empty() || entry_id_before(newest, cursor)) waiting_.push_back({session, &loop, cursor});
  else fanout_.subscribe_now(session, loop, cursor);
}

// Hub's loop, after a batch: the clients waiting for this node to reach their id join the fan-out from it.
void BroadcastServer::admit_waiting() {
  const std::string& newest = hub_.last_id();
  std::erase_if(waiting_, [&](const Waiting& w) {
    if (newest.empty() || entry_id_before(newest, w.cursor)) return false;
    fanout_.subscribe_now(w.session, *w.loop, w.cursor);
    return true;
  });
}

// Hub's loop: a waiting client went away.
void BroadcastServer::forget_waiting(const std::weak_ptr<Session>& session) {
  std::erase_if(waiting_, [&](const Waiting& w) {
    return !w.session.owner_before(session) && !session.owner_before(w.session);
  });
}

}  // namespace ssetool
