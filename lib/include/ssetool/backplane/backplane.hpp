// The Redis Streams backplane of `pipe --backplane`: many nodes share one event stream, a Redis stream (the
// key --channel). Every node appends what it reads (XADD, trimmed with MAXLEN ~ history) and reads back every
// entry, its own and the other nodes', in the stream's order, with a blocking XREAD on a thread of its own; the
// entry id is the SSE id everywhere, so a client resumes on any node.
//
// Three connections, none shared between threads: the reader's, the appender's (guarded by a mutex: the input
// thread and publish requests take turns), and one per resume lookup (entries_after, on a worker thread).
//
// Faults: any failure drops that connection and marks the backplane down (logged once per change, with the URL
// but never the password). The reader reconnects with a backoff (100 ms doubling to 2 s) and continues after the
// last entry it delivered: no loss, no duplicate. A patient append (the input thread) waits through the outage,
// which pauses the input (back-pressure, nothing buffered); an append whose reply was lost is looked for by its
// tag before it is sent again, so it is never stored twice. An impatient append (HTTP publish) throws Unavailable
// at once while down. A patient append also waits (at most 2 s) while this node's reader is more than 500 of this
// node's entries behind, so that an input faster than the nodes read does not have its entries trimmed before
// this node reads them. Another node further behind than the history plus 1000 entries misses entries trimmed
// before it read them: its reader tells so exactly (XREAD and XINFO STREAM in one transaction, see
// backplane/stream_info.hpp) and hands over a Gap before the entries that follow (counted in /metrics, logged at
// most once per 10 s). While idle, the reader waits in a blocking XREAD (no polling).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "ssetool/backplane/redis_connection.hpp"
#include "ssetool/backplane/redis_url.hpp"
#include "ssetool/backplane/stream_entry.hpp"
#include "ssetool/backplane/stream_info.hpp"
#include "ssetool/wire/event.hpp"

namespace ssetool {

struct BackplaneOptions {
  RedisUrl url;
  std::string key = "ssetool:events";         // the Redis stream
  std::size_t max_length = 1000;               // XADD MAXLEN ~ this, plus kept() slack
  std::chrono::milliseconds wait{0};           // connect(): keep trying this long before giving up
  std::chrono::milliseconds timeout{2000};     // to connect, and for each reply
  std::function<void(const std::string&)> log; // state changes, one line each (any thread)
};

class Backplane {
 public:
  // Entries trimmed from the stream before this node's reader read them: `skipped` entries after `after` (the
  // last entry read), before `next` (the first one read since).
  struct Gap {
    std::string after;
    std::string next;
    std::uint64_t skipped = 0;
  };
  // What the reader hands over, on its thread: entries as events (false: stop reading), an end record, and the
  // event that tells clients of a gap (put before the entries that follow it; none when unset).
  struct Reader {
    std::function<bool(std::vector<Event>&)> events;
    std::function<void()> end;
    std::function<Event(const Gap&)> gap;
  };
  // What a resuming client is owed from Redis: the entries after its id, and whether some were trimmed away
  // (then `oldest` is the first entry still there). `beyond`: the id is past the stream's newest entry (or the
  // stream is empty): not an id this stream gave, so no node would ever catch up with it.
  struct Backlog {
    std::vector<StreamEntry> entries;
    bool gap = false;
    std::string oldest;
    bool beyond = false;
  };

  explicit Backplane(BackplaneOptions options);
  ~Backplane();

  // Connects the appender, retrying until options.wait has passed. Throws Unavailable naming the URL and why.
  void connect();
  // The last `n` entries (end records left out), oldest first; `last_id` becomes the id to read after.
  std::vector<StreamEntry> tail(std::size_t n, std::string& last_id);
  // Starts the reader thread, reading after `last_id`. Once.
  void start_reading(std::string last_id, Reader reader);

  // Appends `events` in one transaction (all or none); their entry ids. Patient: waits through outages until
  // done, or returns nullopt once stop() was called. Impatient: throws Unavailable when down or failing.
  // Throws RedisError for a command Redis refuses (the key holds something else).
  std::optional<std::vector<std::string>> append(const std::vector<Event>& events, bool patient);
  // Appends an end record, patiently; false when stopped first.
  bool append_end();
  // On any thread, its own connection: what the stream holds after `id` (bounded by the trimming: about the
  // history, the readers' slack and the last append). Throws Unavailable.
  Backlog entries_after(const std::string& id);

  // Stops the reader (joined) and any patient append waiting. Idempotent.
  void stop();

  bool up() const { return up_.load(); }
  const RedisUrl& url() const { return options_.url; }
  // Lines for /metrics: state, entries appended and read, reconnects, gaps and the entries they skipped.
  std::string metrics_text() const;

 private:
  std::size_t kept(std::size_t batch) const;
  std::vector<std::string> append_locked(const std::vector<RedisCommand>& xadds, const std::vector<std::string>& tags);
  std::vector<std::string> transact(const std::vector<RedisCommand>& xadds, const std::vector<std::string>& tags);
  std::optional<std::vector<std::string>> find_tags(const std::vector<std::string>& tags);
  std::vector<RedisCommand> xadds_for(const std::vector<std::vector<std::string>>& fields,
                                      std::vector<std::string>& tags);
  bool await_reader();
  void count_own(const std::vector<StreamEntry>& entries);
  // The reader's state, on its thread only.
  struct ReadState {
    std::string last_id;    // the last entry read
    ReadPosition position;  // in entries added: tells entries trimmed unread
    bool idle = false;      // caught up: wait in a blocking XREAD before reading again
  };
  void read_loop(ReadState state, Reader reader);
  bool read_once(RedisConnection& connection, ReadState& state, Reader& reader);
  bool await_entries(RedisConnection& connection, const std::string& last_id);
  std::uint64_t advance(ReadPosition& position, const StreamInfo& info, const std::string& first_id,
                        std::size_t count, bool to_end);
  bool hand_over(std::vector<StreamEntry>& entries, const Gap& gap, Reader& reader);
  void report_gap(const Gap& gap);
  std::unique_ptr<RedisConnection> open_connection();
  void mark_down(const std::string& why);
  void mark_up();
  bool pause(std::chrono::milliseconds& backoff);  // false once stopped

  BackplaneOptions options_;
  std::string node_;  // this node's tag prefix
  std::mutex append_mutex_;
  std::unique_ptr<RedisConnection> appender_;  // guarded by append_mutex_
  std::uint64_t seq_ = 0;                      // guarded by append_mutex_
  std::unordered_set<std::string> unsure_;     // guarded: first tags of appends whose outcome is unknown
  std::thread reader_thread_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mutex_
  std::atomic<bool> up_{false};
  std::atomic<std::uint64_t> appended_{0}, read_{0}, reconnects_{0};
  std::atomic<std::uint64_t> own_read_{0};  // this node's entries its reader has read
  std::atomic<std::uint64_t> gaps_{0}, skipped_{0};
  ReadPosition tail_position_;                         // set by tail(): where the reader starts
  std::optional<std::chrono::steady_clock::time_point> gap_logged_;  // reader thread: the last gap line
  std::uint64_t gaps_unlogged_ = 0, skipped_unlogged_ = 0;  // reader thread: since then
  bool no_detection_logged_ = false;                   // reader thread: said once that Redis cannot tell
};

}  // namespace ssetool
