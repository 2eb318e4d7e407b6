// The sessions of `serve --mcp` across its stream loops: by session id those that take requests, and every
// session whose child has not been reaped yet (an ended session stays here until then), each with the loop it
// lives on (chosen when initialize created it). Shared: a session's loop adds and releases it; a worker or the
// server's loop looks one up by id and posts its work to the session's loop; shutdown reaches every loop's
// sessions. One mutex, held only for the map operations: a session is used, swept and destroyed on its own loop
// only (other threads get a Ref: its loop and a weak pointer). Each loop ends its own sessions left idle — no
// request and no stream held by a client — for longer than the idle timeout (--session-timeout).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ssetool/loop/loop.hpp"
#include "ssetool/mcp/mcp_session.hpp"

namespace ssetool {

class SessionTable {
 public:
  // What another thread may hold of a session: lock `session` on `loop` only.
  struct Ref {
    Loop* loop = nullptr;
    std::weak_ptr<McpSession> session;
  };

  // `home`: the server's loop (its sweep timer is cancelled when the table goes; the other loops' timers go with
  // their loops, which the table outlives).
  SessionTable(Loop& home, std::chrono::microseconds idle_timeout);
  ~SessionTable();
  SessionTable(const SessionTable&) = delete;
  SessionTable& operator=(const SessionTable&) = delete;

  // On `loop`, the session's. False once the table is closed (shutdown is over): the caller drops the session.
  bool add(const std::string& id, std::shared_ptr<McpSession> session, Loop& loop);
  // Any thread: the session that takes requests under this id.
  bool find(const std::string& id, Ref& ref) const;
  // Any thread: the session ended, no request reaches it any more (it stays until release()).
  void forget(const std::string& id);
  // On the session's loop: its child was reaped; the session is handed back for the caller to drop (outside the
  // lock).
  std::shared_ptr<McpSession> release(std::size_t number);
  // Any thread: every session not released yet.
  std::vector<Ref> all() const;
  // After the loops have stopped serving: no session is added any more; then take_on(loop), on each loop, hands
  // out (to be dropped by the caller, there) the sessions living on it: their children are killed and reaped.
  void close();
  std::vector<std::shared_ptr<McpSession>> take_on(Loop& loop);
  std::vector<Loop*> loops() const;  // the loops that have sessions, each once

  std::size_t open() const;   // sessions taking requests
  std::size_t alive() const;  // sessions whose child is not reaped yet

  // On `loop`: checks its sessions for idleness from now on, a few times per idle timeout (at most once a second).
  void start_sweeping(Loop& loop);

 private:
  struct Entry {
    std::shared_ptr<McpSession> session;
    Loop* loop;
  };
  void sweep(Loop& loop);

  Loop& home_;
  std::chrono::microseconds idle_timeout_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Ref> by_id_;
  std::map<std::size_t, Entry> all_;
  bool closed_ = false;
  Loop::TimerId home_timer_ = 0;  // home_'s thread only
};

}  // namespace ssetool
