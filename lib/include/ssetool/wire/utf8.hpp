// Incremental UTF-8 sanitizer: bytes in (in chunks of any size, a sequence may be split between chunks), valid
// UTF-8 out. Each invalid sequence becomes U+FFFD exactly as the WHATWG Encoding standard's UTF-8 decoder does it
// ("maximal subpart" replacement: one U+FFFD per invalid lead byte or per valid-but-interrupted prefix).
// Used by the parser (EventSource decodes every stream as UTF-8) and by `ssetool pipe` for its input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ssetool {

// The replacement character U+FFFD, UTF-8 encoded.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

class Utf8Sanitizer {
 public:
  // Appends the sanitized form of `bytes` to `out`. A sequence cut off at the end of `bytes` is kept back until
  // the next call (or finish()). Valid input is copied in long runs, ASCII eight bytes at a time.
  void feed(std::string_view bytes, std::string& out);

  // End of input: a truncated sequence still kept back becomes one U+FFFD. The sanitizer is then ready for a new
  // input.
  void finish(std::string& out);

  // Forgets a kept-back sequence without output (a new input begins).
  void reset() { pending_size_ = 0; }

  // True while the start of a multi-byte sequence is kept back.
  bool has_pending() const { return pending_size_ != 0; }

 private:
  std::size_t resume_pending(std::string_view bytes, std::string& out);

  char pending_[4] = {};         // the start of a sequence cut off at the end of the previous chunk
  std::size_t pending_size_ = 0;
};

// One-shot form: the whole input, a truncated sequence at its end included.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace ssetool
