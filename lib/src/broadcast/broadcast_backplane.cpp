// BroadcastServer with a backplane (see broadcast/broadcast_server.hpp and backplane/backplane.hpp): the input and
// publish requests are appended to Redis, what the backplane reads back is what the hub publishes, and a resume
// reads what Redis still holds after the client's id.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "ssetool/broadcast/broadcast_server.hpp"
#include "stamp.hpp"

namespace ssetool {

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

// On the loop: a resume with what Redis holds after the client's id. Entries this node has published already come
// from the backlog (a gap event first when some were trimmed away), the rest from the hub; a client ahead of this
// node (it was reading a faster one) waits until this node has caught up with it.
void BroadcastServer::resume_from_backplane(Session& session, const Backplane::Backlog& backlog) {
  ++clients_seen_;
  std::string cursor = session.request().last_event_id().value_or("");
  if (backlog.gap) session.push(Hub::gap_frame(cursor, backlog.oldest));
  const std::string& newest = hub_.last_id();
  for (const StreamEntry& entry : backlog.entries) {
    if (newest.empty() || entry_id_before(newest, entry.id)) break;  // the hub publishes it soon
    session.push(std::make_shared<const std::string>(encode(entry.event)));
    cursor = entry.id;
  }
  session.on_close([this, s = &session](SessionEnd) {
    hub_.unsubscribe(s);
    std::erase_if(waiting_, [s](const auto& w) { return w.first == s; });
  });
  if (newest.empty() || entry_id_before(newest, cursor)) waiting_.emplace_back(&session, cursor);
  else hub_.subscribe(&session, cursor, 0);
}

// After a batch: the clients waiting for this node to reach their id are subscribed from it.
void BroadcastServer::admit_waiting() {
  const std::string& newest = hub_.last_id();
  std::erase_if(waiting_, [&](const std::pair<Session*, std::string>& w) {
    if (newest.empty() || entry_id_before(newest, w.second)) return false;
    hub_.subscribe(w.first, w.second, 0);
    return true;
  });
}

}  // namespace ssetool
