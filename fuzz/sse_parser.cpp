// fuzz-links: wire
// The SSE parser (wire/parser): any bytes, and
//  - split invariance: fed in one piece or in random pieces (a seed from the input's first 4 bytes), it reports the
//    same events, comments and retry values, and a limit is exceeded in both ways or in neither;
//  - a reference model: the events, comments and retry values equal those of a plain transcription of the WHATWG
//    algorithm (HTML 9.2.6) run over the whole input, UTF-8 decoded by the library's sanitizer.
#include <fuzzer/FuzzedDataProvider.h>

#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "ssetool/base/errors.hpp"
#include "ssetool/wire/parser.hpp"
#include "ssetool/wire/utf8.hpp"

namespace {

struct Seen {
  std::vector<ssetool::ParsedEvent> events;
  std::vector<std::string> comments;
  std::vector<std::uint64_t> retries;
  bool limit_exceeded = false;
  bool operator==(const Seen&) const = default;
};

Seen parse(const std::vector<std::string_view>& pieces, ssetool::ParserLimits limits) {
  Seen seen;
  ssetool::Parser parser({[&](ssetool::ParsedEvent&& e) { seen.events.push_back(std::move(e)); },
                          [&](std::uint64_t ms) { seen.retries.push_back(ms); },
                          [&](std::string_view c) { seen.comments.emplace_back(c); }},
                         limits);
  try {
    for (auto piece : pieces) parser.feed(piece);
    parser.finish();
  } catch (const ssetool::LimitExceeded&) {
    seen.limit_exceeded = true;
  }
  return seen;
}

// The WHATWG algorithm, line by line, on decoded text.
struct Reference {
  Seen seen;
  std::string data, type, id_buffer, last_event_id;
  bool id_in_block = false;
  std::optional<std::uint64_t> retry;

  void run(std::string text) {
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // one BOM at the start of the stream
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '\r' && text[i] != '\n') continue;
      line(std::string_view(text).substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
    // An unterminated last line, and an event without its blank line, are discarded.
  }

  void line(std::string_view l) {
    if (l.empty()) return dispatch();
    if (l[0] == ':') {
      seen.comments.emplace_back(l.substr(1));
      return;
    }
    std::size_t colon = l.find(':');
    std::string_view name = l.substr(0, colon), value;
    if (colon != std::string_view::npos) {
      value = l.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    }
    if (name == "event") type = value;
    else if (name == "data") (data += value) += '\n';
    else if (name == "id") {
      if (value.find('\0') == std::string_view::npos) {
        id_buffer = value;
        id_in_block = true;
      }
    } else if (name == "retry") {
      bool digits = !value.empty() && value.size() <= 18 && value.find_first_not_of("0123456789") == value.npos;
      if (digits) {
        retry = std::stoull(std::string(value));
        seen.retries.push_back(*retry);
      }
    }
  }

  void dispatch() {
    last_event_id = id_buffer;
    if (!data.empty()) {
      data.pop_back();
      ssetool::ParsedEvent e;
      e.type = type.empty() ? "message" : type;
      e.data = data;
      e.last_event_id = last_event_id;
      e.id_in_block = id_in_block;
      e.retry = retry;
      seen.events.push_back(std::move(e));
    }
    data.clear();
    type.clear();
    id_in_block = false;
    retry.reset();
  }
};

// Retry values of 19 digits or more: the reference does not model the library's overflow rule.
bool has_long_retry(std::string_view text) {
  std::size_t run = 0;
  for (char c : text) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run >= 19) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  std::uint32_t seed = input.ConsumeIntegral<std::uint32_t>();
  std::string text = input.ConsumeRemainingBytesAsString();

  for (ssetool::ParserLimits limits : {ssetool::ParserLimits{}, ssetool::ParserLimits{64, 256}}) {
    Seen whole = parse({text}, limits);
    Seen split = parse(fuzzsupport::random_pieces(text, seed), limits);
    fuzzsupport::check(whole == split, "the parser's output depends on how its input is split");
  }

  if (!has_long_retry(text)) {
    Reference reference;
    reference.run(ssetool::sanitize_utf8(text));
    Seen whole = parse({text}, ssetool::ParserLimits{});
    fuzzsupport::check(whole.events == reference.seen.events, "events differ from the WHATWG reference model");
    fuzzsupport::check(whole.comments == reference.seen.comments, "comments differ from the reference model");
    fuzzsupport::check(whole.retries == reference.seen.retries, "retry values differ from the reference model");
  }
  return 0;
}
