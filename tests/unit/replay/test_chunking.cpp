// Unit tests for replay --chunking: how one frame is cut into writes.
#include <catch2/catch.hpp>

#include <numeric>

#include "ssetool/base/errors.hpp"
#include "ssetool/replay/chunking.hpp"

using namespace ssetool;

namespace {

std::vector<std::string> cut(std::string_view bytes, Chunking how, std::uint64_t seed = 1) {
  std::mt19937_64 random(seed);
  auto pieces = cut_into_pieces(bytes, how, random);
  return {pieces.begin(), pieces.end()};
}

std::string joined(const std::vector<std::string>& pieces) {
  return std::accumulate(pieces.begin(), pieces.end(), std::string());
}

}  // namespace

TEST_CASE("event chunking writes the frame whole", "[replay][chunking]") {
  CHECK(cut("data: a\n\n", Chunking::event) == std::vector<std::string>{"data: a\n\n"});
  CHECK(cut("", Chunking::event).empty());
}

TEST_CASE("line chunking ends a piece after LF, or after a CR not followed by LF", "[replay][chunking]") {
  CHECK(cut("event: x\ndata: a\n\n", Chunking::line) == std::vector<std::string>{"event: x\n", "data: a\n", "\n"});
  CHECK(cut("data: a\r\n\rtail", Chunking::line) == std::vector<std::string>{"data: a\r\n", "\r", "tail"});
}

TEST_CASE("byte chunking writes one byte at a time", "[replay][chunking]") {
  auto pieces = cut("data: é\n\n", Chunking::byte);
  CHECK(pieces.size() == std::string("data: é\n\n").size());
  for (const auto& p : pieces) CHECK(p.size() == 1);
  CHECK(joined(pieces) == "data: é\n\n");
}

TEST_CASE("random chunking is reproducible from its seed and covers the frame", "[replay][chunking]") {
  std::string frame(1000, 'x');
  auto a = cut(frame, Chunking::random, 42);
  CHECK(a == cut(frame, Chunking::random, 42));
  CHECK(a != cut(frame, Chunking::random, 43));
  CHECK(joined(a) == frame);
  for (const auto& p : a) {
    CHECK(p.size() >= 1);
    CHECK(p.size() <= kMaxRandomPiece);
  }
}

TEST_CASE("chunking names are parsed and unknown ones refused", "[replay][chunking]") {
  CHECK(parse_chunking("line") == Chunking::line);
  CHECK(to_string(Chunking::random) == "random");
  CHECK_THROWS_AS(parse_chunking("words"), InvalidArgument);
  CHECK_THROWS_WITH(parse_chunking("words"), "'words': expected event, line, byte or random");
}
