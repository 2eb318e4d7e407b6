// Splits a byte stream into lines at LF (a CR before the LF is removed), chunk by chunk, with a bound on
// line length. Used for stdin, files and child pipes alike.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace ssetool {

class LineSplitter {
 public:
  using LineHandler = std::function<void(std::string_view line)>;

  explicit LineSplitter(std::size_t max_line = 16 << 20) : max_line_(max_line) {}

  // Calls `on_line` for every complete line in `bytes`. Throws LimitExceeded for a line over the limit.
  void feed(std::string_view bytes, const LineHandler& on_line);
  // End of input: an unterminated last line counts as a line.
  void finish(const LineHandler& on_line);
  std::size_t max_line() const { return max_line_; }
  // Bytes of an unterminated line waiting for the rest of it.
  std::size_t pending_bytes() const { return partial_.size(); }

 private:
  void emit(std::string_view line, const LineHandler& on_line);
  std::size_t max_line_;
  std::string partial_;
};

}  // namespace ssetool
