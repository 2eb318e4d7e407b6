// Telling whether a backplane reader fell behind the trimmed stream: what XINFO STREAM says of the stream, and a
// reader's position counted in entries ever added to it. A reader reads with XREAD and XINFO STREAM in one
// MULTI/EXEC, so both see the same stream. Trimming removes the oldest entries, so when what it reads starts at
// the stream's first entry, that entry's number is exactly entries-added - length + 1; when that is more than one
// past the reader's own position, the entries between were trimmed before it read them. Exact as long as nothing
// but trimming removes entries (an XDEL by someone else shifts the count). Needs Redis 7 (entries-added); Redis
// 7.0's max-deleted-entry-id is no help: trimming leaves it at 0-0 (only XDEL moves it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ssetool/backplane/redis_connection.hpp"

namespace ssetool {

struct StreamInfo {
  std::uint64_t length = 0;
  std::optional<std::uint64_t> entries_added;  // every entry ever added (Redis 7 and later)
  std::string first_id;                        // the first entry's id ("" when empty)
};

// The fields of an XINFO STREAM reply; nullopt when `reply` is not one (an error: no such key).
std::optional<StreamInfo> parse_stream_info(const RedisReply& reply);

class ReadPosition {
 public:
  // The reader is at the stream's newest entry (or nothing when empty), as `info` saw it.
  void at_end(const StreamInfo& info) { position_ = info.entries_added; }
  // After reading `count` entries, the first with id `first_id`, in the transaction that gave `info`
  // (`to_end`: they were all the stream held after the reader's last entry). Returns how many entries were
  // trimmed between the reader's last entry and the first one read (0: none, or not known).
  std::uint64_t advance(const StreamInfo& info, const std::string& first_id, std::size_t count, bool to_end);
  bool known() const { return position_.has_value(); }

 private:
  std::optional<std::uint64_t> position_;  // entries added up to and including the last one read
};

}  // namespace ssetool
