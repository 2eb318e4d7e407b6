// Events as Redis stream entries (see backplane/stream_entry.hpp).
#include "ssetool/backplane/stream_entry.hpp"

#include <charconv>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t lf; (lf = text.find('\n', start)) != std::string::npos; start = lf + 1)
    lines.push_back(text.substr(start, lf - start));
  lines.push_back(text.substr(start));
  return lines;
}

std::optional<std::uint64_t> whole_number(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

void set_field(StreamEntry& entry, const std::string& name, const std::string& value) {
  Event& e = entry.event;
  if (name == "data") e.data = value;
  else if (name == "event") e.type = value;
  else if (name == "retry") e.retry = whole_number(value);
  else if (name == "comment") e.comments = split_lines(value);
  else if (name == "nodata") e.has_data = value != "1";
  else if (name == "tag") entry.tag = value;
  else if (name == "end") entry.end = value == "1";
}

}  // namespace

std::vector<std::string> entry_fields(const Event& event, const std::string& tag) {
  std::vector<std::string> f = {"tag", tag, "data", event.data};
  if (event.type) f.insert(f.end(), {"event", *event.type});
  if (event.retry) f.insert(f.end(), {"retry", std::to_string(*event.retry)});
  if (!event.comments.empty()) f.insert(f.end(), {"comment", join_lines(event.comments)});
  if (!event.has_data) f.insert(f.end(), {"nodata", "1"});
  return f;
}

std::vector<std::string> end_fields(const std::string& tag) { return {"tag", tag, "end", "1"}; }

StreamEntry parse_entry(const RedisReply& reply) {
  if (reply.type != RedisReply::Type::array || reply.elements.size() != 2 ||
      reply.elements[0].type != RedisReply::Type::string || reply.elements[1].type != RedisReply::Type::array ||
      reply.elements[1].elements.size() % 2 != 0)
    throw RedisError("a stream entry of an unexpected shape");
  StreamEntry entry;
  entry.id = reply.elements[0].text;
  const auto& fields = reply.elements[1].elements;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) set_field(entry, fields[i].text, fields[i + 1].text);
  entry.event.id = entry.id;
  return entry;
}

std::vector<StreamEntry> parse_entries(const RedisReply& reply) {
  std::vector<StreamEntry> entries;
  for (const RedisReply& r : reply.elements) {
    StreamEntry entry = parse_entry(r);
    try {
      validate(entry.event);  // nodes validate before appending; something else may have written the stream
    } catch (const InvalidEvent&) {
      continue;
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> entry_id_value(const std::string& id) {
  auto dash = id.find('-');
  if (dash == std::string::npos) return std::nullopt;
  auto ms = whole_number(std::string_view(id).substr(0, dash));
  auto seq = whole_number(std::string_view(id).substr(dash + 1));
  if (!ms || !seq) return std::nullopt;
  return std::pair{*ms, *seq};
}

bool entry_id_before(const std::string& a, const std::string& b) {
  return entry_id_value(a).value_or(std::pair{0, 0}) < entry_id_value(b).value_or(std::pair{0, 0});
}

}  // namespace ssetool
