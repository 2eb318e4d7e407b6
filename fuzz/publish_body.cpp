// fuzz-links: broadcast
// The body of an HTTP publish request (`pipe --publish`, broadcast/publish_body) on any bytes and any Content-Type:
// decode_publish_body either hands over events that are all valid and read back exactly (event_round_trip.hpp),
// or refuses the whole body with PublishRefused, 400 or 415 and a one-line reason; nothing else escapes.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>
#include <vector>

#include "event_round_trip.hpp"
#include "fuzz_support.hpp"
#include "ssetool/broadcast/publish_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  ssetool::Request request;
  request.method = "POST";
  request.path = "/events";
  std::string type = input.PickValueInArray<std::string>(
      {"text/plain", "text/plain; charset=utf-8", "application/x-ndjson", "application/json", "text/event-stream",
       "application/x-www-form-urlencoded", "", "other"});
  if (type == "other") {  // any value a header can carry: the request framing refuses CR and LF in one
    type = input.ConsumeRandomLengthString(40);
    std::erase_if(type, [](char c) { return c == '\r' || c == '\n'; });
  }
  if (!type.empty()) request.headers.emplace_back("Content-Type", type);
  std::optional<std::string> event_type;
  if (input.ConsumeBool()) {  // --event: the command line refuses CR and LF in it
    std::string t = input.ConsumeRandomLengthString(16);
    std::erase_if(t, [](char c) { return c == '\r' || c == '\n'; });
    event_type = t;
  }
  request.body = input.ConsumeRemainingBytesAsString();

  std::vector<ssetool::Event> events;
  try {
    events = ssetool::decode_publish_body(request, event_type);
  } catch (const ssetool::PublishRefused& refused) {
    fuzzsupport::check(refused.status == 400 || refused.status == 415, "a refusal other than 400 or 415");
    std::string_view why = refused.what();
    fuzzsupport::check(!why.empty() && why.find_first_of("\r\n") == std::string_view::npos,
                       "a refusal's reason is empty or more than one line");
    return 0;
  }
  for (const auto& event : events) fuzzsupport::check_round_trip(event);
  return 0;
}
