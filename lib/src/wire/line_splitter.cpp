// Line splitting (see wire/line_splitter.hpp).
#include "ssetool/wire/line_splitter.hpp"

#include <cstring>

#include "ssetool/base/errors.hpp"

namespace ssetool {

void LineSplitter::emit(std::string_view line, const LineHandler& on_line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  on_line(line);
}

void LineSplitter::feed(std::string_view bytes, const LineHandler& on_line) {
  while (!bytes.empty()) {
    const void* found = std::memchr(bytes.data(), '\n', bytes.size());
    if (!found) {
      if (partial_.size() + bytes.size() > max_line_)
        throw LimitExceeded("a line is longer than the limit of " + std::to_string(max_line_) + " bytes");
      partial_.append(bytes);
      return;
    }
    std::size_t len = static_cast<const char*>(found) - bytes.data();
    if (partial_.empty()) {
      if (len > max_line_)
        throw LimitExceeded("a line is longer than the limit of " + std::to_string(max_line_) + " bytes");
      emit(bytes.substr(0, len), on_line);
    } else {
      if (partial_.size() + len > max_line_)
        throw LimitExceeded("a line is longer than the limit of " + std::to_string(max_line_) + " bytes");
      partial_.append(bytes.substr(0, len));
      std::string line = std::move(partial_);
      partial_.clear();
      emit(line, on_line);
    }
    bytes.remove_prefix(len + 1);
  }
}

void LineSplitter::finish(const LineHandler& on_line) {
  if (partial_.empty()) return;
  std::string line = std::move(partial_);
  partial_.clear();
  emit(line, on_line);
}

}  // namespace ssetool
