// fuzz-links: sources
// The input decoders of `ssetool pipe` (sources/event_decoder: lines, ndjson, sse) on any input, split into lines as
// FdSource splits it. Every event a decoder hands over must be valid (pipe publishes it without checking again), and
// its encoded frame must read back, through the library's parser, as exactly that event: no CR or LF smuggled into
// `event:` or `id:`, no extra field or event injected through any value.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/sources/event_decoder.hpp"
#include "ssetool/wire/event.hpp"
#include "ssetool/wire/line_splitter.hpp"
#include "ssetool/wire/parser.hpp"
#include "ssetool/wire/utf8.hpp"

namespace {

// Text as the parser reads it back: invalid UTF-8 replaced (a browser does that too: not an injection), and CRLF,
// CR and LF all LF.
std::string normalized(std::string_view raw) {
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

void check_round_trip(const ssetool::Event& event) {
  try {
    ssetool::validate(event);
  } catch (const ssetool::Error&) {
    fuzzsupport::fail("a decoder handed over an event that cannot be encoded");
  }
  std::vector<ssetool::ParsedEvent> parsed;
  std::vector<std::uint64_t> retries;
  ssetool::Parser parser({[&](ssetool::ParsedEvent&& e) { parsed.push_back(std::move(e)); },
                          [&](std::uint64_t ms) { retries.push_back(ms); }, nullptr});
  parser.feed(ssetool::encode(event));
  parser.finish();
  if (!event.has_data) return fuzzsupport::check(parsed.empty(), "a frame without data dispatched an event");
  fuzzsupport::check(parsed.size() == 1, "one event's frame read back as several events, or none");
  const ssetool::ParsedEvent& p = parsed[0];
  std::string type = event.type.value_or("");
  fuzzsupport::check(p.type == (type.empty() ? "message" : normalized(type)), "the event type did not survive encoding");
  fuzzsupport::check(p.data == normalized(event.data), "the data did not survive encoding");
  fuzzsupport::check(p.last_event_id == normalized(event.id.value_or("")), "the id did not survive encoding");
  fuzzsupport::check(p.id_in_block == event.id.has_value(), "an id appeared or vanished in encoding");
  fuzzsupport::check(p.retry == event.retry, "the retry value did not survive encoding");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  auto format = input.PickValueInArray({ssetool::InputFormat::lines, ssetool::InputFormat::ndjson,
                                        ssetool::InputFormat::sse});
  std::optional<std::string> type;
  if (input.ConsumeBool()) {  // -e: the command line refuses CR and LF in it... or should; here it has none
    std::string t = input.ConsumeRandomLengthString(16);
    std::erase_if(t, [](char c) { return c == '\r' || c == '\n'; });
    type = t;
  }
  std::string text = input.ConsumeRemainingBytesAsString();

  auto decoder = ssetool::EventDecoder::create(format, type);
  ssetool::LineSplitter splitter(4096);
  std::vector<ssetool::Event> events;
  auto line = [&](std::string_view l) {
    try {
      decoder->line(l, events);
    } catch (const ssetool::Error&) {
      // a rejected line: reported and skipped by FdSource
    }
  };
  try {
    splitter.feed(text, line);
    splitter.finish(line);
    decoder->finish(events);
  } catch (const ssetool::LimitExceeded&) {
  }
  for (const auto& event : events) check_round_trip(event);
  return 0;
}
