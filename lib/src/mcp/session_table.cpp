// The session table of `serve --mcp` (see mcp/session_table.hpp).
#include "ssetool/mcp/session_table.hpp"

#include <algorithm>

namespace ssetool {

SessionTable::SessionTable(Loop& home, std::chrono::microseconds idle_timeout)
    : home_(home), idle_timeout_(idle_timeout) {}

SessionTable::~SessionTable() { home_.cancel_timer(home_timer_); }

bool SessionTable::add(const std::string& id, std::shared_ptr<McpSession> session, Loop& loop) {
  std::lock_guard lock(mutex_);
  if (closed_) return false;
  by_id_[id] = Ref{&loop, session};
  std::size_t number = session->number();
  all_[number] = Entry{std::move(session), &loop};
  return true;
}

bool SessionTable::find(const std::string& id, Ref& ref) const {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  ref = it->second;
  return true;
}

void SessionTable::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  by_id_.erase(id);
}

std::shared_ptr<McpSession> SessionTable::release(std::size_t number) {
  std::lock_guard lock(mutex_);
  auto it = all_.find(number);
  if (it == all_.end()) return nullptr;
  auto session = std::move(it->second.session);
  all_.erase(it);
  return session;
}

std::vector<SessionTable::Ref> SessionTable::all() const {
  std::vector<Ref> refs;
  std::lock_guard lock(mutex_);
  refs.reserve(all_.size());
  for (const auto& [number, entry] : all_) refs.push_back(Ref{entry.loop, entry.session});
  return refs;
}

void SessionTable::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

std::vector<std::shared_ptr<McpSession>> SessionTable::take_on(Loop& loop) {
  std::vector<std::shared_ptr<McpSession>> taken;
  std::lock_guard lock(mutex_);
  for (auto it = all_.begin(); it != all_.end();) {
    if (it->second.loop != &loop) {
      ++it;
      continue;
    }
    taken.push_back(std::move(it->second.session));
    it = all_.erase(it);
  }
  return taken;
}

std::vector<Loop*> SessionTable::loops() const {
  std::vector<Loop*> loops;
  std::lock_guard lock(mutex_);
  for (const auto& [number, entry] : all_)
    if (std::find(loops.begin(), loops.end(), entry.loop) == loops.end()) loops.push_back(entry.loop);
  return loops;
}

std::size_t SessionTable::open() const {
  std::lock_guard lock(mutex_);
  return by_id_.size();
}

std::size_t SessionTable::alive() const {
  std::lock_guard lock(mutex_);
  return all_.size();
}

void SessionTable::start_sweeping(Loop& loop) {
  auto interval = std::clamp<std::chrono::microseconds>(idle_timeout_ / 4, std::chrono::milliseconds(10),
                                                        std::chrono::seconds(1));
  auto timer = loop.add_timer(interval, [this, &loop] {
    sweep(loop);
    start_sweeping(loop);
  });
  if (&loop == &home_) home_timer_ = timer;
}

// On `loop`: its sessions taking requests that have been idle too long end.
void SessionTable::sweep(Loop& loop) {
  std::vector<std::shared_ptr<McpSession>> mine;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, ref] : by_id_)
      if (ref.loop == &loop)
        if (auto session = ref.session.lock()) mine.push_back(std::move(session));
  }
  auto now = Loop::Clock::now();
  for (const auto& session : mine)
    if (session->idle() && now - session->last_activity() > idle_timeout_) session->end("idle for --session-timeout");
}

}  // namespace ssetool
