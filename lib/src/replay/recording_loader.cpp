// Loading recordings (see replay/recording_loader.hpp): an SSE text file goes to sse_text.cpp; a tape is
// read by the tape reader and each of its responses becomes a stream of items (encoded events, or recorded bytes
// cut where the client dispatches an event) or a short response (a recorded error or non-SSE body).
#include "ssetool/replay/recording_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ssetool/base/errors.hpp"
#include "ssetool/replay/sse_text.hpp"
#include "ssetool/wire/parser.hpp"
#include "ssetool/wire/tape.hpp"

namespace ssetool {
namespace {

// Recorded headers that the replaying server sets itself, or that describe the original connection only.
constexpr std::array<std::string_view, 12> kDroppedHeaders = {
    "content-type", "content-length", "transfer-encoding", "connection", "keep-alive", "cache-control",
    "x-accel-buffering", "content-encoding", "date", "access-control-allow-origin",
    "access-control-allow-credentials", "vary"};

bool is_dropped_header(std::string_view name) {
  return std::any_of(kDroppedHeaders.begin(), kDroppedHeaders.end(),
                     [&](std::string_view d) { return header_name_equals(d, name); });
}

std::optional<std::string> recorded_content_type(const Headers& headers) {
  for (const auto& [name, value] : headers)
    if (header_name_equals(name, "Content-Type")) return value;
  return std::nullopt;
}

// A response is streamed again only if it was a 2xx event stream with a body (no recorded type counts as one).
bool is_stream(const TapeResponse& r) {
  if (r.header.status < 200 || r.header.status > 299 || r.header.status == 204) return false;
  auto type = recorded_content_type(r.header.headers);
  return !type || type->substr(0, type->find(';')) == "text/event-stream";
}

void note_id(ReplayResponse& response, const std::optional<std::string>& id) {
  if (id && is_numeric_id(*id)) response.max_numeric_id = std::max<std::uint64_t>(response.max_numeric_id, std::stoull(*id));
}

// A short response: the recorded body bytes (or, without any, its events encoded).
void make_short(const TapeResponse& r, ReplayResponse& out) {
  out.is_stream = false;
  out.content_type = recorded_content_type(r.header.headers).value_or("text/plain; charset=utf-8");
  bool bytes = r.has_bytes();
  for (const TapeItem& item : r.items) {
    if (bytes && item.kind == TapeItem::Kind::bytes) out.body += item.bytes;
    if (!bytes && item.kind == TapeItem::Kind::event) out.body += encode(item.event);
  }
}

void add_event_items(const TapeResponse& r, ReplayResponse& out) {
  std::string last_id;
  for (const TapeItem& t : r.items) {
    ReplayItem item;
    item.at = t.at;
    item.bytes = std::make_shared<const std::string>(encode(t.event));
    item.event = t.event;
    if (t.event.id) last_id = *t.event.id;
    if (t.event.has_data) {
      item.dispatches = true;
      item.last_id = last_id;
      ++out.event_count;
    }
    note_id(out, t.event.id);
    out.items.push_back(std::move(item));
  }
}

// Cuts recorded bytes where the client's parser dispatches an event, so that faults and resume can stop or start
// exactly between two events. The pieces of one recorded read are `joined`: they still go out in one write.
class BytesSplitter {
 public:
  BytesSplitter(const std::string& name, ReplayResponse& out)
      : name_(name), out_(out), parser_({[this](ParsedEvent&& e) { dispatched_ = std::move(e); }, {}, {}},
                                        kRecordingParserLimits) {}

  void add(const TapeItem& t) {
    std::string_view bytes = t.bytes;
    std::size_t piece_start = 0;
    bool first = true;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (bytes[i] != '\r' && bytes[i] != '\n') continue;
      feed(bytes.substr(fed_to_, i + 1 - fed_to_), t.line);
      fed_to_ = i + 1;
      if (!dispatched_) continue;
      push(t, bytes.substr(piece_start, i + 1 - piece_start), first);
      piece_start = i + 1;
      first = false;
    }
    feed(bytes.substr(fed_to_), t.line);
    if (piece_start < bytes.size()) push(t, bytes.substr(piece_start), first);
    fed_to_ = 0;
  }

 private:
  void feed(std::string_view bytes, std::size_t line) {
    try {
      parser_.feed(bytes);
    } catch (const LimitExceeded& e) {
      throw InvalidArgument(fmt::format("{}:{}: {}", name_, line, e.what()));
    }
  }

  void push(const TapeItem& t, std::string_view bytes, bool first) {
    ReplayItem item;
    item.at = t.at;
    item.bytes = std::make_shared<const std::string>(bytes);
    item.joined = !first;
    if (dispatched_) {
      Event event;
      event.data = dispatched_->data;
      if (dispatched_->type != "message") event.type = dispatched_->type;
      if (dispatched_->id_in_block) event.id = dispatched_->last_event_id;
      note_id(out_, event.id);
      item.event = std::move(event);
      item.dispatches = true;
      item.last_id = dispatched_->last_event_id;
      ++out_.event_count;
      dispatched_.reset();
    }
    out_.items.push_back(std::move(item));
  }

  const std::string& name_;
  ReplayResponse& out_;
  Parser parser_;
  std::optional<ParsedEvent> dispatched_;
  std::size_t fed_to_ = 0;
};

ReplayResponse from_tape_response(const TapeResponse& r, const std::string& name) {
  ReplayResponse out;
  out.status = r.header.status;
  out.line = r.line;
  for (const auto& h : r.header.headers)
    if (!is_dropped_header(h.first)) out.headers.push_back(h);
  if (!is_stream(r)) {
    make_short(r, out);
    return out;
  }
  out.end_at = r.end_at;
  out.ends_abruptly = r.end == TapeEnd::dropped;
  out.from_bytes = r.has_bytes();
  if (out.from_bytes) {
    BytesSplitter splitter(name, out);
    for (const TapeItem& t : r.items)
      if (t.kind == TapeItem::Kind::bytes) splitter.add(t);
  } else {
    add_event_items(r, out);
  }
  return out;
}

std::shared_ptr<const Recording> from_tape(const Tape& tape, const std::string& name) {
  auto recording = std::make_shared<Recording>();
  recording->path = name;
  recording->is_tape = true;
  for (const TapeResponse& r : tape.responses) recording->responses.push_back(from_tape_response(r, name));
  if (recording->responses.empty()) throw InvalidArgument(name + ":1: empty tape: no responses");
  return recording;
}

}  // namespace

std::shared_ptr<const Recording> parse_recording(std::string_view text, const std::string& name) {
  if (looks_like_tape(text)) return from_tape(parse_tape(text, name), name);
  auto recording = std::make_shared<Recording>();
  recording->path = name;
  recording->responses.push_back(parse_sse_recording(text, name));
  return recording;
}

std::shared_ptr<const Recording> load_recording(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InvalidArgument(path + ": cannot read: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InvalidArgument(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  return parse_recording(text.str(), path);
}

}  // namespace ssetool
