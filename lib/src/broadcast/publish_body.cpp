// A publish request's body into events (see broadcast/publish_body.hpp).
#include "ssetool/broadcast/publish_body.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>

#include "ssetool/sources/event_decoder.hpp"
#include "ssetool/wire/line_splitter.hpp"

namespace ssetool {
namespace {

// The media type of the Content-Type header, lower case, without parameters ("text/plain; charset=utf-8" →
// "text/plain"); "text/plain" when there is none.
std::string media_type(const Request& request) {
  std::string type = request.header("Content-Type").value_or("text/plain");
  type = type.substr(0, type.find(';'));
  auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
  type.erase(type.begin(), std::find_if_not(type.begin(), type.end(), blank));
  type.erase(std::find_if_not(type.rbegin(), type.rend(), blank).base(), type.end());
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type;
}

InputFormat format_of(const std::string& type) {
  // curl sends its --data bodies as a form unless told otherwise: read as the plain text they are
  if (type == "text/plain" || type == "application/x-www-form-urlencoded") return InputFormat::lines;
  if (type == "application/x-ndjson" || type == "application/json") return InputFormat::ndjson;
  if (type == "text/event-stream") return InputFormat::sse;
  throw PublishRefused(415, "Content-Type '" + type +
                                "' is not accepted: text/plain, application/x-ndjson, application/json or "
                                "text/event-stream");
}

std::string where(std::size_t line, std::size_t column) {
  return column ? fmt::format("line {}:{}", line, column) : fmt::format("line {}", line);
}

// Decodes one line and validates the events it completed.
void decode_line(EventDecoder& decoder, std::string_view text, std::size_t line, std::vector<Event>& events) {
  std::size_t before = events.size();
  try {
    decoder.line(text, events);
    for (std::size_t i = before; i < events.size(); ++i) validate(events[i]);
  } catch (const InvalidLine& e) {
    throw PublishRefused(400, where(line, e.column) + ": " + e.what());
  } catch (const Error& e) {
    throw PublishRefused(400, where(line, 0) + ": " + e.what());
  }
}

}  // namespace

std::vector<Event> decode_publish_body(const Request& request, const std::optional<std::string>& event_type) {
  InputFormat format = format_of(media_type(request));
  std::unique_ptr<EventDecoder> decoder =
      EventDecoder::create(format, format == InputFormat::sse ? std::nullopt : event_type);
  std::vector<Event> events;
  std::size_t line = 0;
  LineSplitter splitter(request.body.size() + 1);
  auto on_line = [&](std::string_view text) { decode_line(*decoder, text, ++line, events); };
  splitter.feed(request.body, on_line);
  splitter.finish(on_line);
  try {
    std::size_t before = events.size();
    decoder->finish(events);
    for (std::size_t i = before; i < events.size(); ++i) validate(events[i]);
  } catch (const Error& e) {
    throw PublishRefused(400, where(line, 0) + ": " + e.what());
  }
  if (events.empty()) throw PublishRefused(400, "the body holds no event");
  return events;
}

}  // namespace ssetool
