// How `ssetool replay --chunking` cuts one frame into separate writes, to expose clients whose parser assumes that
// an event, or a line, arrives in one read: event (the whole frame at once), line (each line with its line break),
// byte (one byte per write), random (pieces of 1 to kMaxRandomPiece bytes, from a seeded generator).
#pragma once

#include <cstddef>
#include <random>
#include <string_view>
#include <vector>

namespace ssetool {

enum class Chunking { event, line, byte, random };

inline constexpr std::size_t kMaxRandomPiece = 16;

// "event", "line", "byte" or "random". Throws InvalidArgument.
Chunking parse_chunking(std::string_view text);
std::string_view to_string(Chunking how);

// The pieces of `bytes`, in order; together exactly `bytes`. Never an empty piece; none for empty bytes.
// A line ends after LF, or after a CR not followed by LF.
std::vector<std::string_view> cut_into_pieces(std::string_view bytes, Chunking how, std::mt19937_64& random);

}  // namespace ssetool
