// XINFO STREAM, and a reader's position in entries added (see backplane/stream_info.hpp).
#include "ssetool/backplane/stream_info.hpp"

#include <charconv>

namespace ssetool {
namespace {

std::optional<std::uint64_t> count_of(const RedisReply& value) {
  if (value.type == RedisReply::Type::integer && value.integer >= 0) return static_cast<std::uint64_t>(value.integer);
  return std::nullopt;
}

}  // namespace

std::optional<StreamInfo> parse_stream_info(const RedisReply& reply) {
  if (reply.type != RedisReply::Type::array) return std::nullopt;
  StreamInfo info;
  bool has_length = false;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const std::string& name = reply.elements[i].text;
    const RedisReply& value = reply.elements[i + 1];
    if (name == "length" && count_of(value)) {
      info.length = *count_of(value);
      has_length = true;
    } else if (name == "entries-added") {
      info.entries_added = count_of(value);
    } else if (name == "first-entry" && value.type == RedisReply::Type::array && !value.elements.empty()) {
      info.first_id = value.elements[0].text;
    }
  }
  if (!has_length) return std::nullopt;
  return info;
}

std::uint64_t ReadPosition::advance(const StreamInfo& info, const std::string& first_id, std::size_t count,
                                    bool to_end) {
  if (!info.entries_added || info.length > *info.entries_added) {  // Redis 6, or a count that cannot be
    position_.reset();
    return 0;
  }
  std::uint64_t added = *info.entries_added;
  std::uint64_t skipped = 0;
  if (count > 0 && first_id == info.first_id) {
    // what was read starts at the stream's first entry: its number is known
    std::uint64_t first = added - info.length + 1;
    if (position_ && first > *position_ + 1) skipped = first - *position_ - 1;
    position_ = first - 1 + count;
  } else if (position_) {
    *position_ += count;
  }
  if (to_end) position_ = added;
  return skipped;
}

}  // namespace ssetool
