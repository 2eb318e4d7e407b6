// The test scopes of `ssetool replay` (see replay/test_scopes.hpp).
#include "ssetool/replay/test_scopes.hpp"

namespace ssetool {

TestScopes::TestScopes(bool keep_journal, JournalRedaction redaction, ScopeLimits limits)
    : keep_journal_(keep_journal), redaction_(std::move(redaction)), limits_(limits) {}

std::string TestScopes::scope_of(const Request& request) { return request.header(kTestIdHeader).value_or(""); }

// The scope, made most recently used; created when new, dropping the least recently used one beyond max_scopes.
TestScopes::Scope& TestScopes::touch(const std::string& name) {
  auto found = scopes_.find(name);
  if (found != scopes_.end()) {
    if (!name.empty()) lru_.splice(lru_.begin(), lru_, found->second.lru);
    return found->second;
  }
  if (!name.empty() && lru_.size() >= limits_.max_scopes) {
    auto oldest = scopes_.find(lru_.back());
    journal_bytes_ -= oldest->second.bytes;
    scopes_.erase(oldest);
    lru_.pop_back();
  }
  Scope& scope = scopes_[name];
  if (!name.empty()) scope.lru = lru_.insert(lru_.begin(), name);
  return scope;
}

std::uint64_t TestScopes::count_request(const std::string& scope, std::size_t route) {
  std::lock_guard lock(mutex_);
  return touch(scope).route_requests[route]++;
}

std::optional<int> TestScopes::take_failure(const std::string& scope) {
  std::lock_guard lock(mutex_);
  auto found = scopes_.find(scope);
  if (found == scopes_.end() || found->second.faults.fail_next == 0) return std::nullopt;
  --found->second.faults.fail_next;
  return found->second.faults.fail_status;
}

ScopeFaults TestScopes::faults(const std::string& scope) {
  std::lock_guard lock(mutex_);
  auto found = scopes_.find(scope);
  return found == scopes_.end() ? ScopeFaults{} : found->second.faults;
}

void TestScopes::set_faults(const std::string& scope, const ScopeFaults& faults) {
  std::lock_guard lock(mutex_);
  touch(scope).faults = faults;
}

void TestScopes::record(const JournalEntry& entry) {
  if (!keep_journal_) return;
  std::string line = journal_line(entry, redaction_);
  std::lock_guard lock(mutex_);
  Scope& scope = touch(scope_of(entry.http));
  scope.bytes += line.size();
  journal_bytes_ += line.size();
  scope.lines.push_back(std::move(line));
  if (scope.lines.size() > limits_.journal_entries) drop_oldest_line(scope);
  trim_journal(scope);
}

void TestScopes::drop_oldest_line(Scope& scope) {
  scope.bytes -= scope.lines.front().size();
  journal_bytes_ -= scope.lines.front().size();
  scope.lines.pop_front();
}

// Over journal_bytes: the oldest lines of the least recently used scopes go first (the default scope's, then the
// named ones from the least recently used), the current scope's last.
void TestScopes::trim_journal(Scope& current) {
  auto over = [this] { return journal_bytes_ > limits_.journal_bytes; };
  if (!over()) return;
  std::vector<Scope*> order{&scopes_[""]};
  for (auto it = lru_.rbegin(); it != lru_.rend(); ++it) order.push_back(&scopes_[*it]);
  for (Scope* scope : order) {
    if (scope == &current) continue;
    while (over() && !scope->lines.empty()) drop_oldest_line(*scope);
  }
  while (over() && !current.lines.empty()) drop_oldest_line(current);
}

std::vector<std::string> TestScopes::journal(const std::string& scope) {
  std::lock_guard lock(mutex_);
  auto found = scopes_.find(scope);
  if (found == scopes_.end()) return {};
  return {found->second.lines.begin(), found->second.lines.end()};
}

std::uint64_t TestScopes::add_stream(const std::string& scope, const std::string& path, Pusher pusher) {
  std::lock_guard lock(mutex_);
  std::uint64_t handle = next_stream_++;
  streams_.emplace(handle, Stream{scope, path, std::move(pusher)});
  return handle;
}

void TestScopes::remove_stream(std::uint64_t handle) {
  std::lock_guard lock(mutex_);
  streams_.erase(handle);
}

std::size_t TestScopes::push(const std::optional<std::string>& scope, const std::optional<std::string>& path,
                             std::shared_ptr<const std::vector<Frame>> frames) {
  std::lock_guard lock(mutex_);
  std::size_t reached = 0;
  for (const auto& [handle, stream] : streams_) {
    if ((scope && stream.scope != *scope) || (path && stream.path != *path)) continue;
    stream.pusher(frames);
    ++reached;
  }
  return reached;
}

void TestScopes::reset(const std::optional<std::string>& scope) {
  std::lock_guard lock(mutex_);
  if (!scope) {
    scopes_.clear();
    lru_.clear();
    journal_bytes_ = 0;
    return;
  }
  auto found = scopes_.find(*scope);
  if (found == scopes_.end()) return;
  journal_bytes_ -= found->second.bytes;
  if (!scope->empty()) lru_.erase(found->second.lru);
  scopes_.erase(found);
}

std::size_t TestScopes::scope_count() {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

std::size_t TestScopes::stream_count() {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

}  // namespace ssetool
