// The running `serve` children across stream loops (see serve/endpoint_table.hpp).
#include "ssetool/serve/endpoint_table.hpp"

#include <algorithm>

namespace ssetool {

void EndpointTable::add(const std::string& id, Entry entry) {
  std::lock_guard lock(mutex_);
  entries_.emplace(id, std::move(entry));
}

std::vector<EndpointTable::Entry> EndpointTable::take(const std::string& id, bool& now_empty) {
  std::vector<Entry> taken;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end()) {
    taken.push_back(std::move(it->second));
    entries_.erase(it);
  }
  now_empty = entries_.empty();
  return taken;
}

std::vector<EndpointTable::Entry> EndpointTable::take_on(Loop& loop) {
  std::vector<Entry> taken;
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.loop != &loop) {
      ++it;
      continue;
    }
    taken.push_back(std::move(it->second));
    it = entries_.erase(it);
  }
  return taken;
}

bool EndpointTable::find(const std::string& id, Ref& ref) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  ref = Ref{it->second.loop, it->second.endpoint};
  return true;
}

std::vector<EndpointTable::Ref> EndpointTable::refs() const {
  std::vector<Ref> refs;
  std::lock_guard lock(mutex_);
  refs.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) refs.push_back(Ref{entry.loop, entry.endpoint});
  return refs;
}

std::vector<Loop*> EndpointTable::loops() const {
  std::vector<Loop*> loops;
  std::lock_guard lock(mutex_);
  for (const auto& [id, entry] : entries_)
    if (std::find(loops.begin(), loops.end(), entry.loop) == loops.end()) loops.push_back(entry.loop);
  return loops;
}

std::size_t EndpointTable::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace ssetool
