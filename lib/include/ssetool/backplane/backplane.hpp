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
// this node reads them (other nodes further behind than the history plus 1000 entries still miss them).
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
  // What the reader hands over, on its thread: entries as events (false: stop reading), and an end record.
  struct Reader {
    std::function<bool(std::vector<Event>&)> events;
    std::function<void()> end;
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
  // Lines for /metrics: state, entries appended and read, reconnects.
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
  void read_loop(std::string last_id, Reader reader);
  bool read_once(RedisConnection& connection, std::string& last_id, Reader& reader);
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
};

}  // namespace ssetool
