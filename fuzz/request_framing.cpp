// fuzz-links: server
// libFuzzer target: the loop's request framing (server/request_framing.hpp). The input is split at a point taken
// from its first byte and fed in two pieces (a request arrives in any number of reads); checked:
//  - no crash, no unbounded growth: the decoded body never passes max_body_bytes;
//  - split invariance: the same status, refusal and normalised request as when fed whole;
//  - a complete request's normalised form frames again to itself (what a worker reads is unambiguous).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ssetool/server/request_framing.hpp"

namespace {

using ssetool::FramingLimits;
using ssetool::RequestFramer;
using Status = RequestFramer::Status;

constexpr FramingLimits kLimits{4096, 4096};

struct Outcome {
  Status status;
  int error = 0;
  std::string request;
  std::string rest;
};

Status feed_fully(RequestFramer& f, std::string& input, const FramingLimits& limits) {
  Status s = f.feed(input);
  while (s == Status::head_ready) s = f.feed(input);
  if (f.body_size() > limits.max_body_bytes) std::abort();
  return s;
}

Outcome frame(const std::string& data, std::size_t split, const FramingLimits& limits = kLimits) {
  RequestFramer f(limits);
  std::string input = data.substr(0, split);
  Status s = feed_fully(f, input, limits);
  input += data.substr(split);  // after a complete request: the next request's bytes
  if (s == Status::incomplete) s = feed_fully(f, input, limits);
  Outcome out{s};
  if (s == Status::refused) out.error = f.error_status();
  if (s == Status::complete) out.request = f.take_request();
  if (s != Status::refused) out.rest = input;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::size_t split = text.empty() ? 0 : data[0] % (text.size() + 1);
  Outcome whole = frame(text, text.size());
  Outcome pieces = frame(text, split);
  if (whole.status != pieces.status || whole.error != pieces.error || whole.request != pieces.request ||
      whole.rest != pieces.rest)
    std::abort();
  if (whole.status == Status::complete) {
    // The normalised head may be longer: Content-Length added, and a space after each header's colon (a head of
    // many "a:b" lines grows by a quarter). Twice the limit bounds it.
    Outcome again = frame(whole.request, whole.request.size(), {2 * kLimits.max_header_bytes, kLimits.max_body_bytes});
    if (again.status != Status::complete || again.request != whole.request || !again.rest.empty()) std::abort();
  }
  return 0;
}
