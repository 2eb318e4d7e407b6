// The session table of `serve --mcp` (see mcp/session_table.hpp).
#include "ssetool/mcp/session_table.hpp"

#include <algorithm>
#include <vector>

namespace ssetool {

SessionTable::SessionTable(Loop& loop, std::chrono::microseconds idle_timeout)
    : loop_(loop), idle_timeout_(idle_timeout) {}

SessionTable::~SessionTable() { loop_.cancel_timer(sweep_timer_); }

void SessionTable::add(const std::string& id, std::shared_ptr<McpSession> session) {
  all_[session->number()] = session;
  by_id_[id] = std::move(session);
}

std::shared_ptr<McpSession> SessionTable::find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

void SessionTable::forget(const std::string& id) { by_id_.erase(id); }

void SessionTable::release(std::size_t number) { all_.erase(number); }

void SessionTable::end_all(const std::string& why) {
  std::vector<std::shared_ptr<McpSession>> sessions;
  for (const auto& [number, session] : all_) sessions.push_back(session);
  for (const auto& session : sessions) session->end(why);
}

void SessionTable::start_sweeping() {
  auto interval = std::clamp<std::chrono::microseconds>(idle_timeout_ / 4, std::chrono::milliseconds(10),
                                                        std::chrono::seconds(1));
  sweep_timer_ = loop_.add_timer(interval, [this] {
    sweep();
    start_sweeping();
  });
}

void SessionTable::sweep() {
  auto now = Loop::Clock::now();
  std::vector<std::shared_ptr<McpSession>> idle;
  for (const auto& [id, session] : by_id_)
    if (session->idle() && now - session->last_activity() > idle_timeout_) idle.push_back(session);
  for (const auto& session : idle) session->end("idle for --session-timeout");
}

}  // namespace ssetool
