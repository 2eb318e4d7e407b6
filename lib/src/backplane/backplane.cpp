// The Redis Streams backplane (see backplane/backplane.hpp).
#include "ssetool/backplane/backplane.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <unordered_map>

namespace ssetool {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kLastBackoff{2000};
constexpr std::chrono::milliseconds kBlock{250};        // one XREAD waits this long at most
constexpr std::size_t kReadCount = 1000;                 // entries per XREAD at most
constexpr std::size_t kTagSearch = 10000;                // newest entries searched for a retried append's tag
constexpr std::size_t kReaderSlack = 1000;               // entries kept beyond the history for readers behind
constexpr std::uint64_t kOwnLag = 500;                   // a patient append waits while its reader is this behind
constexpr std::chrono::milliseconds kLagWait{2000};      // at most this long (its entries may have been trimmed)
constexpr std::chrono::seconds kGapLogEvery{10};           // a gap line at most this often (the rest summed up)

// The replies of MULTI, ..., EXEC: EXEC's, with `n` elements. Throws RedisError for another shape.
const RedisReply& exec_reply(const std::vector<RedisReply>& replies, std::size_t n) {
  const RedisReply& exec = replies.back();
  if (exec.type != RedisReply::Type::array || exec.elements.size() != n)
    throw RedisError("MULTI/EXEC: a reply of an unexpected shape");
  return exec;
}

// The entries (an array) of an XREAD reply for one stream (nil: none, an empty array). Throws RedisError for an
// error inside EXEC, naming `where` (the URL).
const RedisReply& xread_entries(const RedisReply& reply, const std::string& where) {
  static const RedisReply none{.type = RedisReply::Type::array};
  if (reply.type == RedisReply::Type::status) throw RedisError(where + ": " + reply.text);
  if (reply.type != RedisReply::Type::array || reply.elements.empty()) return none;
  const RedisReply& stream = reply.elements[0];
  if (stream.elements.size() != 2) throw RedisError("XREAD: a reply of an unexpected shape");
  return stream.elements[1];
}

// A tag prefix unlikely to repeat across nodes and restarts: the pid and 32 random bits.
std::string node_name() {
  std::random_device random;
  return fmt::format("{:x}.{:08x}", ::getpid(), random());
}

}  // namespace

Backplane::Backplane(BackplaneOptions options) : options_(std::move(options)), node_(node_name()) {}

Backplane::~Backplane() { stop(); }

std::unique_ptr<RedisConnection> Backplane::open_connection() {
  return std::make_unique<RedisConnection>(options_.url, options_.timeout);
}

void Backplane::connect() {
  auto deadline = std::chrono::steady_clock::now() + options_.wait;
  std::chrono::milliseconds backoff = kFirstBackoff;
  for (;;) {
    try {
      std::lock_guard lock(append_mutex_);
      appender_ = open_connection();
      appender_->command({"PING"});
      up_ = true;
      return;
    } catch (const Error& e) {
      if (std::chrono::steady_clock::now() + backoff > deadline)
        throw Unavailable(std::string("backplane ") + e.what());
      if (backoff == kFirstBackoff && options_.log)
        options_.log(std::string("backplane ") + e.what() + "; waiting for it (--backplane-wait)");
    }
    if (!pause(backoff)) throw Unavailable("backplane " + options_.url.display() + ": stopped while connecting");
  }
}

// With the stream's size in the same transaction: the reader starts at a known position (see ReadPosition).
std::vector<StreamEntry> Backplane::tail(std::size_t n, std::string& last_id) {
  std::lock_guard lock(append_mutex_);
  if (!appender_) appender_ = open_connection();
  std::vector<RedisReply> replies = appender_->pipeline(
      {{"MULTI"},
       {"XREVRANGE", options_.key, "+", "-", "COUNT", std::to_string(n + 1)},
       {"XINFO", "STREAM", options_.key},
       {"EXEC"}});
  const RedisReply& exec = exec_reply(replies, 2);
  const RedisReply& newest = exec.elements[0];
  if (newest.type != RedisReply::Type::array) throw RedisError(options_.url.display() + ": " + newest.text);
  // no stream yet: every entry will be new
  tail_position_.at_end(parse_stream_info(exec.elements[1]).value_or(StreamInfo{.entries_added = 0}));
  std::vector<StreamEntry> entries = parse_entries(newest);
  last_id = newest.elements.empty() ? "0-0" : parse_entry(newest.elements.front()).id;
  std::reverse(entries.begin(), entries.end());
  std::erase_if(entries, [](const StreamEntry& e) { return e.end; });
  if (entries.size() > n) entries.erase(entries.begin(), entries.end() - static_cast<std::ptrdiff_t>(n));
  return entries;
}

// ---- appending ----

// What an append of `batch` entries trims the stream to: the history, plus room for readers to be behind (a
// reader further behind than that would miss the entries trimmed meanwhile), plus the batch itself.
std::size_t Backplane::kept(std::size_t batch) const { return options_.max_length + kReaderSlack + batch; }

std::vector<RedisCommand> Backplane::xadds_for(const std::vector<std::vector<std::string>>& fields,
                                               std::vector<std::string>& tags) {
  std::vector<RedisCommand> commands;
  for (const auto& f : fields) {
    // always trimmed: with a history of 0 too, the stream stays bounded (by the readers' slack)
    RedisCommand c = {"XADD", options_.key, "MAXLEN", "~", std::to_string(kept(fields.size())), "*"};
    c.insert(c.end(), f.begin(), f.end());
    commands.push_back(std::move(c));
    tags.push_back(f[1]);  // fields start with "tag", TAG
  }
  return commands;
}

std::optional<std::vector<std::string>> Backplane::append(const std::vector<Event>& events, bool patient) {
  if (patient && !await_reader()) return std::nullopt;
  std::vector<std::vector<std::string>> fields;
  std::chrono::milliseconds backoff = kFirstBackoff;
  for (;;) {
    {
      std::lock_guard lock(append_mutex_);
      if (fields.empty())  // numbered once: a retry sends the same tags
        for (const Event& e : events) fields.push_back(entry_fields(e, fmt::format("{}:{}", node_, ++seq_)));
      std::vector<std::string> tags;
      std::vector<RedisCommand> xadds = xadds_for(fields, tags);
      try {
        return append_locked(xadds, tags);
      } catch (const RedisLost& e) {
        mark_down(e.what());
        if (!patient) unsure_.erase(tags.front());  // abandoned: the publisher is told 503
      }
    }
    if (!patient) throw Unavailable("backplane " + options_.url.display() + " is down");
    if (!pause(backoff)) return std::nullopt;
  }
}

// With append_mutex_ held: appends on the connection, reconnecting if there is none; a connection that was
// already open and turns out lost (Redis restarted since its last use) is replaced once at once, so that the first
// append after an outage does not fail for nothing.
std::vector<std::string> Backplane::append_locked(const std::vector<RedisCommand>& xadds,
                                                  const std::vector<std::string>& tags) {
  for (bool fresh = false;;) {
    if (!appender_) {
      appender_ = open_connection();
      fresh = true;
      ++reconnects_;
      mark_up();
    }
    try {
      return transact(xadds, tags);
    } catch (const RedisLost&) {
      appender_.reset();
      if (fresh) throw;
    }
  }
}

// When an earlier attempt of the same entries may have been stored, looks for them first; else appends them in
// one MULTI/EXEC. The entries stay "unsure" when the connection is lost meanwhile (the transaction may have run).
std::vector<std::string> Backplane::transact(const std::vector<RedisCommand>& xadds,
                                             const std::vector<std::string>& tags) {
  if (unsure_.contains(tags.front())) {
    std::optional<std::vector<std::string>> found = find_tags(tags);
    unsure_.erase(tags.front());
    if (found) return *found;
  }
  std::vector<RedisCommand> commands = {{"MULTI"}};
  commands.insert(commands.end(), xadds.begin(), xadds.end());
  commands.push_back({"EXEC"});
  unsure_.insert(tags.front());
  std::vector<RedisReply> replies;
  try {
    replies = appender_->pipeline(commands);
  } catch (const RedisError&) {
    unsure_.erase(tags.front());
    throw;
  }
  unsure_.erase(tags.front());
  std::vector<std::string> ids;
  for (const RedisReply& id : replies.back().elements) ids.push_back(id.text);
  appended_ += ids.size();
  return ids;
}

// The ids of entries already carrying these tags (a transaction stores all or none: the first tells).
std::optional<std::vector<std::string>> Backplane::find_tags(const std::vector<std::string>& tags) {
  RedisReply newest = appender_->command({"XREVRANGE", options_.key, "+", "-", "COUNT", std::to_string(kTagSearch)});
  std::unordered_map<std::string, std::string> id_of;
  for (const StreamEntry& e : parse_entries(newest)) id_of.emplace(e.tag, e.id);
  if (!id_of.contains(tags.front())) return std::nullopt;
  std::vector<std::string> ids;
  for (const std::string& t : tags) ids.push_back(id_of[t]);
  appended_ += ids.size();
  return ids;
}

bool Backplane::append_end() {
  std::chrono::milliseconds backoff = kFirstBackoff;
  for (;;) {
    {
      std::lock_guard lock(append_mutex_);
      std::string tag = fmt::format("{}:{}", node_, seq_ + 1);
      std::vector<std::string> tags;
      std::vector<RedisCommand> xadd = xadds_for({end_fields(tag)}, tags);
      try {
        append_locked(xadd, tags);
        ++seq_;
        return true;
      } catch (const RedisLost& e) {
        mark_down(e.what());
      }
    }
    if (!pause(backoff)) return false;
  }
}

// Before a patient append: waits (bounded) while this node's reader is more than kOwnLag of this node's entries
// behind. The stream keeps about history + kReaderSlack entries: an input appending faster than the nodes read
// would otherwise have entries trimmed before a reader got to them. After kLagWait the count starts again from here
// (some of its entries were trimmed unread: waiting for them would stall every later append). False once stopped.
bool Backplane::await_reader() {
  std::unique_lock lock(stop_mutex_);
  bool caught_up = stop_cv_.wait_for(
      lock, kLagWait, [this] { return stopping_ || appended_.load() <= own_read_.load() + kOwnLag; });
  if (!caught_up) own_read_ = appended_.load();
  return !stopping_;
}

// ---- reading ----

void Backplane::start_reading(std::string last_id, Reader reader) {
  ReadState state{.last_id = std::move(last_id), .position = tail_position_};
  reader_thread_ = std::thread([this, state = std::move(state), reader = std::move(reader)]() mutable {
    read_loop(std::move(state), std::move(reader));
  });
}

void Backplane::read_loop(ReadState state, Reader reader) {
  std::unique_ptr<RedisConnection> connection;
  std::chrono::milliseconds backoff = kFirstBackoff;
  for (;;) {
    {
      std::lock_guard lock(stop_mutex_);
      if (stopping_) return;
    }
    try {
      if (!connection) {
        connection = open_connection();
        connection->set_timeout(options_.timeout + kBlock);
        mark_up();
        backoff = kFirstBackoff;
      }
      if (!read_once(*connection, state, reader)) return;
      mark_up();  // also after an error reply on a connection kept (a NOPERM lifted, a key type fixed)
      backoff = kFirstBackoff;
      continue;
    } catch (const RedisLost& e) {
      if (connection) ++reconnects_;
      connection.reset();
      mark_down(e.what());
    } catch (const RedisError& e) {
      mark_down(e.what());
    }
    if (!pause(backoff)) return;
  }
}

// Caught up: one blocking XREAD, which waits (kBlock at most) for an entry after the last one read. Entries there
// are read by the next call.
bool Backplane::await_entries(RedisConnection& connection, const std::string& last_id) {
  RedisReply reply = connection.command(
      {"XREAD", "COUNT", "1", "BLOCK", std::to_string(kBlock.count()), "STREAMS", options_.key, last_id});
  return !xread_entries(reply, options_.url.display()).elements.empty();
}

// Waits while idle, else reads the next entries (XREAD and XINFO STREAM in one transaction: a gap is told before
// them); false when the reader must stop (told to, or an end record).
bool Backplane::read_once(RedisConnection& connection, ReadState& state, Reader& reader) {
  if (state.idle) {
    state.idle = !await_entries(connection, state.last_id);
    return true;
  }
  std::vector<RedisReply> replies = connection.pipeline({{"MULTI"},
                                                         {"XREAD", "COUNT", std::to_string(kReadCount), "STREAMS",
                                                          options_.key, state.last_id},
                                                         {"XINFO", "STREAM", options_.key},
                                                         {"EXEC"}});
  const RedisReply& exec = exec_reply(replies, 2);
  const RedisReply& read_reply = xread_entries(exec.elements[0], options_.url.display());
  const std::vector<RedisReply>& read = read_reply.elements;
  state.idle = read.size() < kReadCount;
  std::optional<StreamInfo> info = parse_stream_info(exec.elements[1]);
  if (read.empty()) {
    if (info) advance(state.position, *info, "", 0, true);
    return true;
  }
  Gap gap{.after = state.last_id, .next = parse_entry(read.front()).id};
  if (info) gap.skipped = advance(state.position, *info, gap.next, read.size(), state.idle);
  std::vector<StreamEntry> entries = parse_entries(read_reply);  // leaves out entries that could not be sent,
  state.last_id = parse_entry(read.back()).id;                   // and moves past them all the same
  read_ += read.size();
  count_own(entries);
  return hand_over(entries, gap, reader);
}

// Moves the reader's position on past what it read; the entries trimmed before it read them. Says once when Redis
// cannot tell (no entries-added before Redis 7).
std::uint64_t Backplane::advance(ReadPosition& position, const StreamInfo& info, const std::string& first_id,
                                 std::size_t count, bool to_end) {
  std::uint64_t skipped = position.advance(info, first_id, count, to_end);
  if (!position.known() && !no_detection_logged_ && options_.log) {
    no_detection_logged_ = true;
    options_.log("backplane: this Redis does not count the entries added to a stream (Redis 7 does): entries "
                 "trimmed before this node read them go unnoticed");
  }
  return skipped;
}

// Hands what was read to the reader: the gap event first when entries were skipped; false when it must stop.
bool Backplane::hand_over(std::vector<StreamEntry>& entries, const Gap& gap, Reader& reader) {
  std::vector<Event> events;
  if (gap.skipped > 0) {
    report_gap(gap);
    if (reader.gap) events.push_back(reader.gap(gap));
  }
  for (StreamEntry& entry : entries) {
    if (entry.end) {
      if (!events.empty() && !reader.events(events)) return false;
      reader.end();
      return false;
    }
    events.push_back(std::move(entry.event));
  }
  return events.empty() || reader.events(events);
}

// Counts a gap and logs it, at most once per kGapLogEvery (the gaps since the last line summed up in the next).
void Backplane::report_gap(const Gap& gap) {
  ++gaps_;
  skipped_ += gap.skipped;
  ++gaps_unlogged_;
  skipped_unlogged_ += gap.skipped;
  auto now = std::chrono::steady_clock::now();
  if (!options_.log || (gap_logged_ && now - *gap_logged_ < kGapLogEvery)) return;
  std::string more = gaps_unlogged_ == 1 ? "" : fmt::format(" ({} gaps, {} entries, since the last such line)",
                                                            gaps_unlogged_, skipped_unlogged_);
  options_.log(fmt::format("backplane: this node fell behind the stream: {} entries after {} were trimmed before it "
                           "read them; its clients got a gap event{}",
                           gap.skipped, gap.after, more));
  gap_logged_ = now;
  gaps_unlogged_ = skipped_unlogged_ = 0;
}

// The reader has read these: this node's own entries among them let a waiting append go on (await_reader).
void Backplane::count_own(const std::vector<StreamEntry>& entries) {
  std::string prefix = node_ + ":";
  std::uint64_t own = 0;
  for (const StreamEntry& entry : entries)
    if (entry.tag.starts_with(prefix)) ++own;
  if (own == 0) return;
  {
    std::lock_guard lock(stop_mutex_);
    own_read_ += own;
  }
  stop_cv_.notify_all();
}

Backplane::Backlog Backplane::entries_after(const std::string& id) {
  std::unique_ptr<RedisConnection> connection = open_connection();
  Backlog backlog;
  RedisReply first = connection->command({"XRANGE", options_.key, "-", "+", "COUNT", "1"});
  std::vector<StreamEntry> oldest = parse_entries(first);
  if (!oldest.empty() && entry_id_before(id, oldest.front().id)) {
    backlog.gap = true;
    backlog.oldest = oldest.front().id;
  }
  RedisReply newest = connection->command({"XREVRANGE", options_.key, "+", "-", "COUNT", "1"});
  backlog.beyond = newest.elements.empty() || entry_id_before(parse_entry(newest.elements.front()).id, id);
  if (backlog.beyond) return backlog;
  RedisReply after = connection->command({"XRANGE", options_.key, "(" + id, "+"});
  backlog.entries = parse_entries(after);
  std::erase_if(backlog.entries, [](const StreamEntry& e) { return e.end; });
  return backlog;
}

// ---- state ----

void Backplane::mark_down(const std::string& why) {
  if (up_.exchange(false) && options_.log)
    options_.log("backplane down: " + why + " (reconnecting; input paused, publish answers 503)");
}

void Backplane::mark_up() {
  if (!up_.exchange(true) && options_.log) options_.log("backplane up again: " + options_.url.display());
}

bool Backplane::pause(std::chrono::milliseconds& backoff) {
  std::unique_lock lock(stop_mutex_);
  stop_cv_.wait_for(lock, backoff, [this] { return stopping_; });
  backoff = std::min(backoff * 2, kLastBackoff);
  return !stopping_;
}

void Backplane::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (reader_thread_.joinable()) reader_thread_.join();
}

std::string Backplane::metrics_text() const {
  return fmt::format(
      "# HELP ssetool_backplane_up Whether the Redis backplane is reachable (1) or down (0).\n"
      "# TYPE ssetool_backplane_up gauge\n"
      "ssetool_backplane_up {}\n"
      "# HELP ssetool_backplane_appended_total Entries this node appended to the Redis stream.\n"
      "# TYPE ssetool_backplane_appended_total counter\n"
      "ssetool_backplane_appended_total {}\n"
      "# HELP ssetool_backplane_read_total Entries this node read from the Redis stream.\n"
      "# TYPE ssetool_backplane_read_total counter\n"
      "ssetool_backplane_read_total {}\n"
      "# HELP ssetool_backplane_reconnects_total Connections to Redis made again after a loss.\n"
      "# TYPE ssetool_backplane_reconnects_total counter\n"
      "ssetool_backplane_reconnects_total {}\n"
      "# HELP ssetool_backplane_gaps_total Times entries were trimmed from the stream before this node read them.\n"
      "# TYPE ssetool_backplane_gaps_total counter\n"
      "ssetool_backplane_gaps_total {}\n"
      "# HELP ssetool_backplane_skipped_total Entries trimmed from the stream before this node read them.\n"
      "# TYPE ssetool_backplane_skipped_total counter\n"
      "ssetool_backplane_skipped_total {}\n",
      up_.load() ? 1 : 0, appended_.load(), read_.load(), reconnects_.load(), gaps_.load(), skipped_.load());
}

}  // namespace ssetool
