// For the fuzz targets whose code makes events from untrusted input (fuzz/input_decoders.cpp, fuzz/publish_body.cpp):
// every event handed over must be valid, and its encoded frame must read back, through the library's parser, as
// exactly that event: no CR or LF smuggled into `event:` or `id:`, no extra field or event injected through a value.
#pragma once

#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/wire/event.hpp"
#include "ssetool/wire/parser.hpp"
#include "ssetool/wire/utf8.hpp"

namespace fuzzsupport {

// Text as the parser reads it back: invalid UTF-8 replaced (a browser does that too: not an injection), and CRLF,
// CR and LF all LF.
inline std::string normalized(std::string_view raw) {
  std::string text = ssetool::sanitize_utf8(raw), out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

inline void check_round_trip(const ssetool::Event& event) {
  try {
    ssetool::validate(event);
  } catch (const ssetool::Error&) {
    fail("a decoder handed over an event that cannot be encoded");
  }
  std::vector<ssetool::ParsedEvent> parsed;
  std::vector<std::uint64_t> retries;
  ssetool::Parser parser({[&](ssetool::ParsedEvent&& e) { parsed.push_back(std::move(e)); },
                          [&](std::uint64_t ms) { retries.push_back(ms); }, nullptr});
  parser.feed(ssetool::encode(event));
  parser.finish();
  if (!event.has_data) return check(parsed.empty(), "a frame without data dispatched an event");
  check(parsed.size() == 1, "one event's frame read back as several events, or none");
  const ssetool::ParsedEvent& p = parsed[0];
  std::string type = event.type.value_or("");
  check(p.type == (type.empty() ? "message" : normalized(type)), "the event type did not survive encoding");
  check(p.data == normalized(event.data), "the data did not survive encoding");
  check(p.last_event_id == normalized(event.id.value_or("")), "the id did not survive encoding");
  check(p.id_in_block == event.id.has_value(), "an id appeared or vanished in encoding");
  check(p.retry == event.retry, "the retry value did not survive encoding");
}

}  // namespace fuzzsupport
