// The test scopes of `ssetool replay`: what each test (the requests carrying one X-Test-Id value) has of its own —
// its route counters (for --fail-first, sequences and {{seq}}), the faults the control API set for it, its journal
// view — and the streams open in it, which the control API can push events into. Requests without X-Test-Id are
// the default scope "" (its route counters stay with the responder; its faults and journal live here).
//
// Bounds: at most max_scopes named scopes (kMaxTestScopes): one more drops the least recently used (its counters,
// faults and journal; the default scope is never dropped). A scope's journal keeps its last journal_entries lines
// (kScopeJournalEntries), older ones dropped; all scopes' journal lines together are held to journal_bytes
// (kScopeJournalBytes): beyond it the oldest lines of the least recently used scopes go first. Open streams are
// bounded by the server's --max-clients; they stay registered until they end, whatever happens to their scope.
//
// Thread-safe: every method locks (requests come on the server's workers, stream ends on the stream loops).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ssetool/replay/journal.hpp"
#include "ssetool/wire/frame.hpp"

namespace ssetool {

inline constexpr std::size_t kMaxTestScopes = 1000;
inline constexpr std::size_t kScopeJournalEntries = 1000;
inline constexpr std::size_t kScopeJournalBytes = 64u << 20;
inline constexpr const char* kTestIdHeader = "X-Test-Id";

// Faults the control API sets for one scope (POST /_ssetool/faults).
struct ScopeFaults {
  std::uint64_t fail_next = 0;              // the scope's next N matched requests fail...
  int fail_status = 503;                    // ...with this status
  std::optional<std::uint64_t> drop_after;  // the scope's new streams are cut after N events
  std::optional<std::uint64_t> stall_after; // the scope's new streams stall after N events
};

struct ScopeLimits {
  std::size_t max_scopes = kMaxTestScopes;
  std::size_t journal_entries = kScopeJournalEntries;
  std::size_t journal_bytes = kScopeJournalBytes;
};

class TestScopes {
 public:
  // Pushes frames into one open stream; called with the table locked, so it must only hand them on (post to the
  // stream's loop).
  using Pusher = std::function<void(std::shared_ptr<const std::vector<Frame>>)>;

  // keep_journal: record() keeps the lines (the control API is on); else it does nothing.
  explicit TestScopes(bool keep_journal = false, JournalRedaction redaction = {}, ScopeLimits limits = {});

  // The scope of a request: its X-Test-Id, or "" without one.
  static std::string scope_of(const Request& request);

  // How many requests of `route` the named scope counted before this one (counts it).
  std::uint64_t count_request(const std::string& scope, std::size_t route);
  // A failure the scope's faults ask for (one fail_next used up): its status; nullopt: none.
  std::optional<int> take_failure(const std::string& scope);
  ScopeFaults faults(const std::string& scope);
  void set_faults(const std::string& scope, const ScopeFaults& faults);

  // Keeps the entry's journal line in its request's scope (with keep_journal).
  void record(const JournalEntry& entry);
  // The scope's journal lines, oldest first.
  std::vector<std::string> journal(const std::string& scope);

  // A stream opened in `scope` at `path`: returns its handle for remove_stream().
  std::uint64_t add_stream(const std::string& scope, const std::string& path, Pusher pusher);
  void remove_stream(std::uint64_t handle);
  // Hands the frames to every open stream of `scope` (nullopt: every scope) at `path` (nullopt: any). Returns how
  // many streams they went to.
  std::size_t push(const std::optional<std::string>& scope, const std::optional<std::string>& path,
                   std::shared_ptr<const std::vector<Frame>> frames);

  // Forgets the scope's counters, faults and journal (nullopt: every scope's). Open streams stay.
  void reset(const std::optional<std::string>& scope);

  std::size_t scope_count();
  std::size_t stream_count();

 private:
  struct Scope {
    std::map<std::size_t, std::uint64_t> route_requests;
    ScopeFaults faults;
    std::deque<std::string> lines;
    std::size_t bytes = 0;
    std::list<std::string>::iterator lru;  // in lru_ (not for the default scope)
  };
  struct Stream {
    std::string scope;
    std::string path;
    Pusher pusher;
  };

  Scope& touch(const std::string& scope);  // locked
  void drop_oldest_line(Scope& scope);     // locked
  void trim_journal(Scope& current);       // locked

  const bool keep_journal_;
  const JournalRedaction redaction_;
  const ScopeLimits limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, Scope> scopes_;
  std::list<std::string> lru_;  // named scopes, most recently used first
  std::size_t journal_bytes_ = 0;
  std::map<std::uint64_t, Stream> streams_;
  std::uint64_t next_stream_ = 1;
};

}  // namespace ssetool
