// Helpers shared by the libFuzzer targets of fuzz/ (a header: every fuzz/*.cpp is a target of its own).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string_view>
#include <vector>

namespace fuzzsupport {

// Cuts `text` into pieces of 1 to 16 bytes, chosen by a small generator seeded with `seed`: the same seed, the
// same pieces, so a crash input replays exactly.
inline std::vector<std::string_view> random_pieces(std::string_view text, std::uint32_t seed) {
  std::vector<std::string_view> pieces;
  std::uint32_t state = seed | 1;
  while (!text.empty()) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    std::size_t size = std::min<std::size_t>(text.size(), 1 + state % 16);
    pieces.push_back(text.substr(0, size));
    text.remove_prefix(size);
  }
  return pieces;
}

// A broken invariant: says which, and aborts (libFuzzer saves the input as a crash).
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

inline void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

}  // namespace fuzzsupport
