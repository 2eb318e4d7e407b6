// Tests of -o ndjson's line (lib/include/ssetool/client/ndjson_line.hpp): the fields, the receive time, and that a
// line never breaks: U+2028/U+2029 escaped, invalid UTF-8 replaced, control characters escaped.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ssetool/client/ndjson_line.hpp"

using namespace std::chrono;

TEST_CASE("ndjson_line: time, event, data, id and retry when present", "[client][ndjson]") {
  ssetool::ParsedEvent e{.type = "tick", .data = "a\nb", .last_event_id = "7"};
  system_clock::time_point t{milliseconds(1795883470123)};
  CHECK(ssetool::ndjson_line(e, t) ==
        R"({"time":"2026-11-28T16:31:10.123Z","event":"tick","data":"a\nb","id":"7"})");
  e.retry = 500;
  CHECK(ssetool::ndjson_line(e, t).find(R"("id":"7","retry":500})") != std::string::npos);
}

TEST_CASE("ndjson_line: U+2028, U+2029, invalid UTF-8 and controls never break the line", "[client][ndjson]") {
  ssetool::ParsedEvent e{.data = "x\xE2\x80\xA8y\xE2\x80\xA9z\xFF\xC3\x28\r\x01 \xE2\x80\x94 end"};
  std::string line = ssetool::ndjson_line(e, system_clock::time_point{});
  CHECK(line.find(R"("data":"x\u2028y\u2029z)") != std::string::npos);
  CHECK(line.find("\xE2\x80\xA8") == std::string::npos);
  CHECK(line.find_first_of("\r\n") == std::string::npos);
  auto parsed = nlohmann::json::parse(line);  // valid JSON, valid UTF-8
  CHECK(parsed["data"] == "x\xE2\x80\xA8y\xE2\x80\xA9z\xEF\xBF\xBD\xEF\xBF\xBD(\r\x01 \xE2\x80\x94 end");
  CHECK(parsed["time"] == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("escape_line_separators: only the two separators change", "[client][ndjson]") {
  CHECK(ssetool::escape_line_separators("\"\xE2\x80\xA8\xE2\x80\xA9\xE2\x80\"") == "\"\\u2028\\u2029\xE2\x80\"");
  CHECK(ssetool::escape_line_separators("\xE2\x80") == "\xE2\x80");
}
