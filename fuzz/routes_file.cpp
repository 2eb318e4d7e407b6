// fuzz-links: replay
// The routes file of `ssetool replay --routes` (replay/routes_file: parse_routes_file) on any text: it either
// returns routes or throws the documented InvalidArgument "NAME:LINE: ..."; anything else is a bug. Routes that name
// a recording are skipped (found by parsing the JSON first): loading one reads a file, which a fuzzer must not do.
#include <nlohmann/json.hpp>

#include <string>

#include "fuzz_support.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/replay/route.hpp"
#include "ssetool/replay/routes_file.hpp"

namespace {

bool names_a_recording(const nlohmann::json& value) {
  if (value.is_object()) {
    if (value.contains("recording")) return true;
    for (const auto& [key, item] : value.items())
      if (names_a_recording(item)) return true;
  } else if (value.is_array()) {
    for (const auto& item : value)
      if (names_a_recording(item)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool comments : {false, true}) {
    auto document = nlohmann::json::parse(text, nullptr, false, comments);
    if (!document.is_discarded() && names_a_recording(document)) return 0;
  }
  try {
    ssetool::parse_routes_file(text, "fuzz.json", "/nonexistent-fuzz-dir", ssetool::Route{});
  } catch (const ssetool::InvalidArgument& e) {
    fuzzsupport::check(std::string_view(e.what()).rfind("fuzz.json", 0) == 0, "an error that does not name the file");
  }
  return 0;
}
