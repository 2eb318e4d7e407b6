// fuzz-links: server
// The request scanner of the servers (server/request_scan: scan_request), which decides on the loop when a
// connection's bytes hold a whole request, on any bytes and limits. Beyond not crashing: more bytes never undo a
// verdict — once a prefix of the input is complete or over a limit, the whole input gets the same answer.
#include <fuzzer/FuzzedDataProvider.h>

#include <string>

#include "fuzz_support.hpp"
#include "ssetool/server/request_scan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  std::size_t max_header = input.ConsumeIntegralInRange<std::size_t>(0, 8192);
  std::size_t max_body = input.ConsumeIntegralInRange<std::size_t>(0, 1 << 20);
  std::size_t prefix_size = input.ConsumeIntegral<std::uint16_t>();
  std::string bytes = input.ConsumeRemainingBytesAsString();
  std::string_view prefix = std::string_view(bytes).substr(0, std::min(prefix_size, bytes.size()));

  ssetool::RequestScan whole = ssetool::scan_request(bytes, max_header, max_body);
  ssetool::RequestScan part = ssetool::scan_request(prefix, max_header, max_body);
  if (part != ssetool::RequestScan::incomplete)
    fuzzsupport::check(whole == part, "more bytes changed the scanner's verdict on a request");
  return 0;
}
