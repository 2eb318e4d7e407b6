// fuzz-links: sources
// The input decoders of `ssetool pipe` (sources/event_decoder: lines, ndjson, sse) on any input, split into lines as
// FdSource splits it. Every event a decoder hands over must be valid (pipe publishes it without checking again), and
// its encoded frame must read back, through the library's parser, as exactly that event: no CR or LF smuggled into
// `event:` or `id:`, no extra field or event injected through any value.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>
#include <vector>

#include "event_round_trip.hpp"
#include "fuzz_support.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/sources/event_decoder.hpp"
#include "ssetool/wire/event.hpp"
#include "ssetool/wire/line_splitter.hpp"


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
  for (const auto& event : events) fuzzsupport::check_round_trip(event);
  return 0;
}
