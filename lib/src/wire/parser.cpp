// The incremental text/event-stream parser (see wire/parser.hpp): UTF-8 sanitizing, BOM, line splitting, fields and
// dispatch, following WHATWG HTML 9.2.5 "Parsing an event stream" and 9.2.6 "Interpreting an event stream".
//
// When the last event id takes effect (9.2.6). An `id` field (without NUL) only sets the stream's "last event ID
// buffer". Dispatch, at each blank line, first copies that buffer into the event source's "last event ID string"
// and only then looks at the data buffer; the buffer itself is never cleared. So:
//   - a block with `id:` but no data changes last_event_id() at its blank line, though nothing is dispatched;
//   - the id persists: later events without an id field carry the same last_event_id;
//   - at end of stream the unterminated block is discarded, and with it an id it set: last_event_id() keeps the
//     value of the last dispatch (WPT format-data-before-final-empty-line: the next connection's events report
//     the old id, not the discarded one);
//   - a new stream starts its buffer from the event source's last event ID string, not from "" (the spec text
//     says the buffers start empty for each stream, but then a reconnected stream without ids would reset the id
//     at its first event; WPT format-field-id and format-field-id-2 require it to persist across reconnections,
//     and browsers seed the new stream's buffer this way).
#include "ssetool/wire/parser.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool all_ascii_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Base-ten value of a string of digits; saturates instead of overflowing.
std::uint64_t parse_digits(std::string_view digits) {
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  for (char c : digits) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) return kMax;
    value = value * 10 + digit;
  }
  return value;
}

// Position of the first CR or LF at or after `from`, or npos. Looks for LF first, then for a CR before it.
std::size_t find_line_break(std::string_view text, std::size_t from) {
  const char* begin = text.data() + from;
  const std::size_t size = text.size() - from;
  const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', size));
  const std::size_t before_lf = lf ? static_cast<std::size_t>(lf - begin) : size;
  const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', before_lf));
  if (cr) return from + static_cast<std::size_t>(cr - begin);
  return lf ? from + before_lf : std::string_view::npos;
}

}  // namespace

Parser::Parser(Callbacks callbacks, ParserLimits limits) : callbacks_(std::move(callbacks)), limits_(limits) {}

void Parser::feed(std::string_view bytes) {
  decoded_.clear();
  utf8_.feed(bytes, decoded_);
  std::string_view text = decoded_;
  if (at_stream_start_ && !text.empty()) {
    // The sanitizer only outputs whole characters, so a BOM split between feeds arrives here in one piece.
    if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
    at_stream_start_ = false;
  }
  split_lines(text);
}

// Whatever is not yet dispatched is discarded: the unterminated line, the block, a truncated UTF-8 sequence (its
// U+FFFD could only have ended up in that unterminated line).
void Parser::finish() { reset_stream(); }

void Parser::restart() { reset_stream(); }

// Splits decoded text into lines at CRLF, LF and CR; the unterminated tail waits in line_ for the next feed.
void Parser::split_lines(std::string_view text) {
  std::size_t start = 0;
  if (saw_cr_ && !text.empty()) {
    if (text[0] == '\n') start = 1;  // the LF of a CRLF split between feeds
    saw_cr_ = false;
  }
  while (start < text.size()) {
    const std::size_t end = find_line_break(text, start);
    if (end == std::string_view::npos) {
      append_to_line(text.substr(start));
      return;
    }
    const std::string_view piece = text.substr(start, end - start);
    if (line_.empty()) {
      check_line_length(piece.size());
      process_line(piece);  // straight from the decoded text, without a copy
    } else {
      append_to_line(piece);
      process_line(line_);
      line_.clear();
    }
    start = end + 1;
    if (text[end] == '\r') {
      if (start == text.size()) {
        saw_cr_ = true;
      } else if (text[start] == '\n') {
        ++start;
      }
    }
  }
}

void Parser::append_to_line(std::string_view piece) {
  check_line_length(line_.size() + piece.size());
  line_ += piece;
}

void Parser::check_line_length(std::size_t length) {
  if (length > limits_.max_line) {
    fail(fmt::format("line longer than the limit of {} bytes (max_line)", limits_.max_line));
  }
}

void Parser::process_line(std::string_view line) {
  if (line.empty()) {
    dispatch();
  } else if (line[0] == ':') {
    if (callbacks_.on_comment) callbacks_.on_comment(line.substr(1));
  } else {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      process_field(line, {});
      return;
    }
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    process_field(line.substr(0, colon), value);
  }
}

void Parser::process_field(std::string_view name, std::string_view value) {
  if (name == "event") {
    type_ = value;
  } else if (name == "data") {
    append_data(value);
  } else if (name == "id") {
    if (value.find('\0') != std::string_view::npos) return;  // ignored altogether
    id_buffer_ = value;
    id_in_block_ = true;
  } else if (name == "retry") {
    set_retry(value);
  }
  // Any other name (names are case-sensitive) is ignored.
}

void Parser::append_data(std::string_view value) {
  if (data_.size() + value.size() + 1 > limits_.max_event) {
    fail(fmt::format("event data larger than the limit of {} bytes (max_event)", limits_.max_event));
  }
  data_ += value;
  data_ += '\n';
}

// A retry field counts only if it is all ASCII digits (and not empty); it takes effect at once.
void Parser::set_retry(std::string_view value) {
  if (!all_ascii_digits(value)) return;
  retry_ = parse_digits(value);
  if (callbacks_.on_retry) callbacks_.on_retry(*retry_);
}

void Parser::dispatch() {
  last_event_id_ = id_buffer_;
  if (data_.empty()) {
    type_.clear();
    reset_block();
    return;
  }
  data_.pop_back();  // the LF after the last data line
  ParsedEvent event;
  if (!type_.empty()) event.type = std::move(type_);
  event.data = std::move(data_);
  event.last_event_id = last_event_id_;
  event.id_in_block = id_in_block_;
  event.retry = retry_;
  data_.clear();
  type_.clear();
  reset_block();
  if (callbacks_.on_event) callbacks_.on_event(std::move(event));
}

void Parser::reset_block() {
  id_in_block_ = false;
  retry_.reset();
}

void Parser::reset_stream() {
  utf8_.reset();
  line_.clear();
  saw_cr_ = false;
  at_stream_start_ = true;
  data_.clear();
  type_.clear();
  id_buffer_ = last_event_id_;
  reset_block();
}

void Parser::fail(const std::string& message) {
  reset_stream();
  throw LimitExceeded(message);
}

}  // namespace ssetool
