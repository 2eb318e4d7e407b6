// The Event encoder (see wire/event.hpp): one Event becomes one text/event-stream frame. Payloads and comments are split
// on CRLF, CR and LF alike, because a conforming parser ends a line at each of them; `event` and `id` values cannot
// be split, so values that would break out of their line are refused.
#include "ssetool/wire/event.hpp"

#include <fmt/format.h>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

// Calls `emit` with each line of `text`, lines ending at CRLF, CR or LF. A text that ends with a line break has
// an empty last line; an empty text is one empty line.
template <typename Emit>
void for_each_line(std::string_view text, Emit&& emit) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r' && text[i] != '\n') continue;
    emit(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  emit(text.substr(start));
}

// Appends one `prefix value` line per line of `text`.
void append_lines(std::string& frame, std::string_view prefix, std::string_view text) {
  for_each_line(text, [&](std::string_view line) {
    frame += prefix;
    frame += line;
    frame += '\n';
  });
}

void refuse_line_breaks(std::string_view field, std::string_view value) {
  if (value.find_first_of("\r\n") != std::string_view::npos) {
    throw InvalidEvent(std::string(field), fmt::format("the {} field must not contain CR or LF", field));
  }
}

}  // namespace

void validate(const Event& e) {
  if (e.type) refuse_line_breaks("event", *e.type);
  if (e.id) {
    refuse_line_breaks("id", *e.id);
    if (e.id->find('\0') != std::string::npos) throw InvalidEvent("id", "the id field must not contain NUL");
  }
  if (!e.has_data && !e.data.empty()) {
    throw InvalidEvent("data", "an event without data lines (has_data false) must have empty data");
  }
}

std::string encode(const Event& e) {
  validate(e);
  std::string frame;
  frame.reserve(e.data.size() + 32);
  for (const std::string& comment : e.comments) append_lines(frame, ": ", comment);
  if (e.type) frame.append("event: ").append(*e.type).append("\n");
  if (e.id) frame.append("id: ").append(*e.id).append("\n");
  if (e.retry) frame.append(fmt::format("retry: {}\n", *e.retry));
  if (e.has_data) append_lines(frame, "data: ", e.data);
  frame += '\n';
  return frame;
}

std::string encode_comment(std::string_view text) {
  std::string frame;
  frame.reserve(text.size() + 4);
  append_lines(frame, ": ", text);
  frame += '\n';
  return frame;
}

}  // namespace ssetool
