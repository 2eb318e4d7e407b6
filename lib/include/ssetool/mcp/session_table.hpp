// The sessions of `serve --mcp`: by session id those that take requests, and every session whose child has not
// been reaped yet (an ended session stays here until then). Ends a session left idle — no request and no stream
// held by a client — for longer than the idle timeout (--session-timeout). Loop thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "ssetool/loop/loop.hpp"
#include "ssetool/mcp/mcp_session.hpp"

namespace ssetool {

class SessionTable {
 public:
  SessionTable(Loop& loop, std::chrono::microseconds idle_timeout);
  ~SessionTable();
  SessionTable(const SessionTable&) = delete;
  SessionTable& operator=(const SessionTable&) = delete;

  void add(const std::string& id, std::shared_ptr<McpSession> session);
  // The session that takes requests under this id, or null.
  std::shared_ptr<McpSession> find(const std::string& id) const;
  // The session ended: no request reaches it any more (it stays until release()).
  void forget(const std::string& id);
  // Its child was reaped: the session goes.
  void release(std::size_t number);
  void end_all(const std::string& why);

  std::size_t open() const { return by_id_.size(); }  // sessions taking requests
  std::size_t alive() const { return all_.size(); }   // sessions whose child is not reaped yet

  // Checks for idle sessions from now on, a few times per idle timeout (at most once a second).
  void start_sweeping();

 private:
  void sweep();

  Loop& loop_;
  std::chrono::microseconds idle_timeout_;
  std::unordered_map<std::string, std::shared_ptr<McpSession>> by_id_;
  std::map<std::size_t, std::shared_ptr<McpSession>> all_;
  Loop::TimerId sweep_timer_ = 0;
};

}  // namespace ssetool
