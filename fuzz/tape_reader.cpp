// fuzz-links: wire
// The tape reader (wire/tape: parse_tape) on any text: it either returns a tape or throws the documented
// InvalidArgument "NAME:LINE: ..."; anything else (another exception, a crash, a sanitizer report) is a bug.
// Every event it returns must be encodable.
#include <string>

#include "fuzz_support.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/wire/event.hpp"
#include "ssetool/wire/tape.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ssetool::Tape tape;
  try {
    tape = ssetool::parse_tape(text, "fuzz.tape");
  } catch (const ssetool::InvalidArgument& e) {
    fuzzsupport::check(std::string_view(e.what()).rfind("fuzz.tape:", 0) == 0, "an error without NAME:LINE");
    return 0;
  }
  for (const auto& response : tape.responses)
    for (const auto& item : response.items)
      if (item.kind == ssetool::TapeItem::Kind::event) {
        try {
          ssetool::encode(item.event);
        } catch (const ssetool::Error&) {
          fuzzsupport::fail("the tape reader accepted an event that cannot be encoded");
        }
      }
  return 0;
}
