// The events of a control API push (see replay/pushed_events.hpp).
#include "ssetool/replay/pushed_events.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/replay/sse_text.hpp"
#include "ssetool/wire/event.hpp"

namespace ssetool {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kName = "push body";

std::string lower(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

std::string field_string(const Json& value, const char* key) {
  if (!value.is_string()) throw InvalidArgument(fmt::format("\"{}\" must be a string", key));
  return value.get<std::string>();
}

// One NDJSON line's event (see the header).
Event event_from_json(const Json& value) {
  Event event;
  if (!value.is_object()) {
    event.data = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return event;
  }
  for (const auto& [key, field] : value.items()) {
    if (key == "data") event.data = field.is_string() ? field.get<std::string>()
                                                      : field.dump(-1, ' ', false, Json::error_handler_t::replace);
    else if (key == "event") event.type = field_string(field, "event");
    else if (key == "id") event.id = field_string(field, "id");
    else if (key == "retry" && field.is_number_unsigned()) event.retry = field.get<std::uint64_t>();
    else if (key == "retry") throw InvalidArgument("\"retry\" must be a whole number of milliseconds >= 0");
    else throw InvalidArgument("unknown key \"" + key + "\" (expected data, event, id, retry)");
  }
  try {
    validate(event);
  } catch (const InvalidEvent& e) {
    throw InvalidArgument(e.what());
  }
  return event;
}

std::vector<Frame> parse_ndjson(const std::string& body) {
  std::vector<Frame> frames;
  std::size_t line_number = 0, at = 0;
  while (at < body.size()) {
    std::size_t end = body.find('\n', at);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(at, end - at);
    at = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      Json value = Json::parse(line);
      frames.push_back(std::make_shared<const std::string>(encode(event_from_json(value))));
    } catch (const Json::exception& e) {
      throw InvalidArgument(fmt::format("{}:{}: not JSON: {}", kName, line_number, e.what()));
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(fmt::format("{}:{}: {}", kName, line_number, e.what()));
    }
  }
  return frames;
}

}  // namespace

bool is_ndjson_body(const Request& request) {
  std::string type = lower(request.header("Content-Type").value_or(""));
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type == "application/x-ndjson" || type == "application/jsonl" || type == "application/json";
}

std::vector<Frame> parse_pushed_events(const std::string& body, bool ndjson) {
  std::vector<Frame> frames;
  if (ndjson) {
    frames = parse_ndjson(body);
  } else {
    for (const ReplayItem& item : parse_sse_recording(body, kName).items) frames.push_back(item.bytes);
  }
  if (frames.empty()) throw InvalidArgument(std::string(kName) + ": no event in it");
  return frames;
}

}  // namespace ssetool
