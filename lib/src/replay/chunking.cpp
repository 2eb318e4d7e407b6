// Cutting frames into writes for `ssetool replay --chunking` (see replay/chunking.hpp).
#include "ssetool/replay/chunking.hpp"

#include <string>

#include "ssetool/base/errors.hpp"

namespace ssetool {
namespace {

std::vector<std::string_view> cut_lines(std::string_view bytes) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bool ends_line = bytes[i] == '\n' || (bytes[i] == '\r' && (i + 1 == bytes.size() || bytes[i + 1] != '\n'));
    if (!ends_line) continue;
    pieces.push_back(bytes.substr(start, i + 1 - start));
    start = i + 1;
  }
  if (start < bytes.size()) pieces.push_back(bytes.substr(start));
  return pieces;
}

std::vector<std::string_view> cut_random(std::string_view bytes, std::mt19937_64& random) {
  std::vector<std::string_view> pieces;
  std::uniform_int_distribution<std::size_t> length(1, kMaxRandomPiece);
  while (!bytes.empty()) {
    std::size_t n = std::min(length(random), bytes.size());
    pieces.push_back(bytes.substr(0, n));
    bytes.remove_prefix(n);
  }
  return pieces;
}

}  // namespace

Chunking parse_chunking(std::string_view text) {
  for (Chunking how : {Chunking::event, Chunking::line, Chunking::byte, Chunking::random})
    if (text == to_string(how)) return how;
  throw InvalidArgument("'" + std::string(text) + "': expected event, line, byte or random");
}

std::string_view to_string(Chunking how) {
  switch (how) {
    case Chunking::event: return "event";
    case Chunking::line: return "line";
    case Chunking::byte: return "byte";
    case Chunking::random: return "random";
  }
  return "?";
}

std::vector<std::string_view> cut_into_pieces(std::string_view bytes, Chunking how, std::mt19937_64& random) {
  switch (how) {
    case Chunking::event: return bytes.empty() ? std::vector<std::string_view>{} : std::vector{bytes};
    case Chunking::line: return cut_lines(bytes);
    case Chunking::byte: {
      std::vector<std::string_view> pieces;
      for (std::size_t i = 0; i < bytes.size(); ++i) pieces.push_back(bytes.substr(i, 1));
      return pieces;
    }
    case Chunking::random: return cut_random(bytes, random);
  }
  return {};
}

}  // namespace ssetool
