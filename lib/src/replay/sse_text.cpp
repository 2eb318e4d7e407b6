// Plain SSE text recordings (see replay/sse_text.hpp): a strict line check with line numbers, then the library
// Parser, one block at a time, so that each block becomes exactly the frame a client would have seen.
#include "ssetool/replay/sse_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/parser.hpp"
#include "ssetool/wire/utf8.hpp"

namespace ssetool {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::array<std::string_view, 4> kFields = {"data", "event", "id", "retry"};

// One block of lines, up to its blank line.
struct Block {
  std::string text;        // the lines, each with "\n"
  std::size_t first_line = 0;
  bool has_data = false;
  bool has_event = false;
  bool has_id = false;
};

class SseTextReader {
 public:
  explicit SseTextReader(const std::string& name) : name_(name), parser_(callbacks(), kRecordingParserLimits) {}

  ReplayResponse read(std::string_view text) {
    if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
    std::size_t start = 0, number = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '\r' && text[i] != '\n') continue;
      line(text.substr(start, i - start), ++number);
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
    if (start < text.size()) {
      line(text.substr(start), ++number);
      fail(number, "the last line has no line break: end the last event with a blank line");
    }
    if (!block_.text.empty()) fail(number, "the last event is not followed by a blank line");
    if (response_.items.empty()) fail(std::max<std::size_t>(number, 1), "empty recording: no events");
    return std::move(response_);
  }

 private:
  Parser::Callbacks callbacks() {
    return {[this](ParsedEvent&& e) { dispatched_ = std::move(e); },
            [this](std::uint64_t retry) { retry_ = retry; },
            [this](std::string_view comment) {
              comments_.emplace_back(comment.starts_with(' ') ? comment.substr(1) : comment);
            }};
  }

  [[noreturn]] void fail(std::size_t line, const std::string& what) const {
    throw InvalidArgument(fmt::format("{}:{}: {}", name_, line, what));
  }

  void line(std::string_view text, std::size_t number) {
    if (sanitize_utf8(text) != text) fail(number, "invalid UTF-8");
    if (text.empty()) {
      if (!block_.text.empty()) end_block();
      return;
    }
    if (block_.text.empty()) block_.first_line = number;
    if (text[0] != ':') check_field(text, number);
    block_.text.append(text).push_back('\n');
  }

  void check_field(std::string_view text, std::size_t number) {
    std::size_t colon = text.find(':');
    std::string_view field = text.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
    if (std::find(kFields.begin(), kFields.end(), field) == kFields.end())
      fail(number, fmt::format("unknown field '{}' (a line is data:, event:, id:, retry:, a ':' comment or blank)",
                               field));
    if (field == "retry" && (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos))
      fail(number, fmt::format("retry must be a number of milliseconds, not '{}'", value));
    if (field == "id" && value.find('\0') != std::string_view::npos) fail(number, "id must not contain NUL");
    block_.has_data |= field == "data";
    block_.has_event |= field == "event";
    block_.has_id |= field == "id";
  }

  void end_block() {
    if (block_.has_event && !block_.has_data)
      fail(block_.first_line, "an event with 'event' but no 'data' line is never dispatched");
    block_.text.push_back('\n');
    try {
      parser_.feed(block_.text);
    } catch (const LimitExceeded& e) {
      fail(block_.first_line, e.what());
    }
    add_item();
    block_ = Block{};
  }

  // Turns what the parser reported for the block into one item.
  void add_item() {
    Event event;
    ReplayItem item;
    if (dispatched_) {
      event.data = std::move(dispatched_->data);
      if (dispatched_->type != "message") event.type = dispatched_->type;
      if (dispatched_->id_in_block) event.id = dispatched_->last_event_id;
      item.dispatches = true;
      item.last_id = dispatched_->last_event_id;
      ++response_.event_count;
    } else {
      event.has_data = false;
      if (block_.has_id) event.id = parser_.last_event_id();
    }
    event.retry = retry_;
    event.comments = std::move(comments_);
    if (event.id && is_numeric_id(*event.id))
      response_.max_numeric_id = std::max<std::uint64_t>(response_.max_numeric_id, std::stoull(*event.id));
    item.bytes = std::make_shared<const std::string>(encode(event));
    item.event = std::move(event);
    response_.items.push_back(std::move(item));
    dispatched_.reset();
    retry_.reset();
    comments_.clear();
  }

  const std::string& name_;
  Parser parser_;
  Block block_;
  ReplayResponse response_;
  std::optional<ParsedEvent> dispatched_;
  std::optional<std::uint64_t> retry_;
  std::vector<std::string> comments_;
};

}  // namespace

ReplayResponse parse_sse_recording(std::string_view text, const std::string& name) {
  return SseTextReader(name).read(text);
}

}  // namespace ssetool
