// The -o ndjson line of an event (see client/ndjson_line.hpp).
#include "ssetool/client/ndjson_line.hpp"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace ssetool {

std::string utc_millis(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  if (ms % 1000 < 0) --seconds;  // before 1970: floor
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(((ms % 1000) + 1000) % 1000));
  return text;
}

std::string escape_line_separators(std::string json) {
  // U+2028 is E2 80 A8 and U+2029 is E2 80 A9 in UTF-8.
  for (std::size_t at = json.find("\xE2\x80"); at != std::string::npos; at = json.find("\xE2\x80", at + 1)) {
    if (at + 2 >= json.size()) break;
    char last = json[at + 2];
    if (last != '\xA8' && last != '\xA9') continue;
    json.replace(at, 3, last == '\xA8' ? "\\u2028" : "\\u2029");
  }
  return json;
}

std::string ndjson_line(const ParsedEvent& e, std::chrono::system_clock::time_point received) {
  nlohmann::ordered_json line;
  line["time"] = utc_millis(received);
  line["event"] = e.type;
  line["data"] = e.data;
  line["id"] = e.last_event_id;
  if (e.retry) line["retry"] = *e.retry;
  return escape_line_separators(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace ssetool
