// How an event is stored as an entry of a Redis stream, and read back. An entry's fields:
//   tag   NODE:SEQ — who appended it, and its sequence number there (a retried append recognises its own entry)
//   data, event, retry, comment (comment lines joined by LF), nodata ("1": a frame without data lines)
//   end   "1": an end record (a publisher's input ended with --on-eof close), no event
// The event's own id is not stored: the entry id ("1700000000000-0") is the SSE id on every node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ssetool/backplane/redis_connection.hpp"
#include "ssetool/wire/event.hpp"

namespace ssetool {

struct StreamEntry {
  std::string id;      // the entry id, also the event's id
  std::string tag;     // NODE:SEQ ("" for an entry without one)
  bool end = false;    // an end record
  Event event;         // with id = the entry id
};

// The XADD arguments after "XADD KEY [MAXLEN ~ N] *": the fields of `event`, tagged.
std::vector<std::string> entry_fields(const Event& event, const std::string& tag);
std::vector<std::string> end_fields(const std::string& tag);

// One entry of an XRANGE/XREAD reply ([id, [field, value, ...]]). Throws RedisError for a malformed one.
StreamEntry parse_entry(const RedisReply& reply);
// The entries of an XRANGE/XREVRANGE reply (an array of entries), leaving out any whose event could not be sent
// (CR or LF in `event`: not appended by ssetool, which validates first), so nothing injected reaches a client.
std::vector<StreamEntry> parse_entries(const RedisReply& reply);

// An entry id as two numbers, for ordering ("5-3" → {5, 3}); nullopt when `id` is not one.
std::optional<std::pair<std::uint64_t, std::uint64_t>> entry_id_value(const std::string& id);
// a < b as entry ids (both must be entry ids).
bool entry_id_before(const std::string& a, const std::string& b);

}  // namespace ssetool
