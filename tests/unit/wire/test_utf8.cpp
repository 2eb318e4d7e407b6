// Unit tests for the incremental UTF-8 sanitizer: the WHATWG Encoding standard's replacement rules (one U+FFFD per
// maximal subpart), whole and in every chunking, and a comparison with a literal transcription of the standard's
// decoder over random bytes.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ssetool/wire/utf8.hpp"

using namespace std::string_literals;
using ssetool::sanitize_utf8;
using ssetool::Utf8Sanitizer;

namespace {

const std::string R = "\xEF\xBF\xBD";  // U+FFFD

// Feeds `input` in pieces of the given sizes (the last piece takes the rest), then finishes.
std::string sanitize_in_pieces(const std::string& input, const std::vector<std::size_t>& sizes) {
  Utf8Sanitizer sanitizer;
  std::string out;
  std::size_t at = 0;
  for (std::size_t size : sizes) {
    const std::size_t n = std::min(size, input.size() - at);
    sanitizer.feed(std::string_view(input).substr(at, n), out);
    at += n;
  }
  sanitizer.feed(std::string_view(input).substr(at), out);
  sanitizer.finish(out);
  return out;
}

std::vector<std::size_t> random_sizes(std::mt19937& rng, std::size_t total) {
  std::vector<std::size_t> sizes;
  const std::size_t max_piece = 1 + rng() % 6;
  for (std::size_t sum = 0; sum < total;) {
    sizes.push_back(rng() % (max_piece + 1));  // empty pieces included
    sum += sizes.back();
  }
  return sizes;
}

// Checks one case whole, byte by byte and in random pieces.
void check_all_chunkings(const std::string& input, const std::string& expected) {
  CHECK(sanitize_utf8(input) == expected);
  CHECK(sanitize_in_pieces(input, std::vector<std::size_t>(input.size(), 1)) == expected);
  std::mt19937 rng(1234);
  for (int round = 0; round < 20; ++round) {
    CHECK(sanitize_in_pieces(input, random_sizes(rng, input.size())) == expected);
  }
}

// The WHATWG UTF-8 decoder transcribed step by step (code points out), re-encoded as UTF-8: the reference the
// sanitizer is compared with.
std::string append_utf8(std::string out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

std::string reference_decode(const std::string& input) {
  std::string out;
  std::uint32_t cp = 0;
  int needed = 0, seen = 0;
  unsigned lower = 0x80, upper = 0xBF;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const unsigned b = static_cast<unsigned char>(input[i]);
    if (needed == 0) {
      if (b <= 0x7F) {
        out = append_utf8(std::move(out), b);
      } else if (b >= 0xC2 && b <= 0xDF) {
        needed = 1, cp = b & 0x1F;
      } else if (b >= 0xE0 && b <= 0xEF) {
        if (b == 0xE0) lower = 0xA0;
        if (b == 0xED) upper = 0x9F;
        needed = 2, cp = b & 0xF;
      } else if (b >= 0xF0 && b <= 0xF4) {
        if (b == 0xF0) lower = 0x90;
        if (b == 0xF4) upper = 0x8F;
        needed = 3, cp = b & 0x7;
      } else {
        out += R;
      }
      continue;
    }
    if (b < lower || b > upper) {
      cp = 0, needed = 0, seen = 0, lower = 0x80, upper = 0xBF;
      --i;  // "restore byte to ioQueue"
      out += R;
      continue;
    }
    lower = 0x80, upper = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
    if (++seen == needed) {
      out = append_utf8(std::move(out), cp);
      cp = 0, needed = 0, seen = 0;
    }
  }
  if (needed != 0) out += R;
  return out;
}

struct Case {
  const char* name;
  std::string input;
  std::string expected;
};

}  // namespace

TEST_CASE("valid UTF-8 passes through unchanged", "[utf8]") {
  const std::vector<std::string> inputs = {
      "",
      "plain ASCII text, long enough to use the eight-byte fast path: 0123456789",
      "NUL \0 and DEL \x7F are ASCII"s,
      "\xC2\x80 \xDF\xBF",                    // U+0080, U+07FF
      "\xE0\xA0\x80 \xEF\xBF\xBF",            // U+0800, U+FFFF
      "\xED\x9F\xBF \xEE\x80\x80",            // U+D7FF, U+E000 (either side of the surrogates)
      "\xF0\x90\x80\x80 \xF4\x8F\xBF\xBF",    // U+10000, U+10FFFF
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBB\xBF",  // é € 😀 and a BOM (not stripped here)
  };
  for (const std::string& input : inputs) {
    INFO("input: " << input);
    check_all_chunkings(input, input);
  }
}

TEST_CASE("invalid sequences become U+FFFD as the WHATWG decoder does it", "[utf8]") {
  const std::vector<Case> cases = {
      {"lone continuation byte", "a\x80z", "a" + R + "z"},
      {"two continuation bytes", "\x80\xBF", R + R},
      {"overlong 2-byte lead C0", "\xC0\x80", R + R},
      {"overlong 2-byte lead C1", "\xC1\xBF", R + R},
      {"overlong 3-byte (E0 80..9F)", "\xE0\x80\x80", R + R + R},
      {"overlong 3-byte, top", "\xE0\x9F\xBF", R + R + R},
      {"overlong 4-byte (F0 80..8F)", "\xF0\x8F\xBF\xBF", R + R + R + R},
      {"surrogate U+D800", "\xED\xA0\x80", R + R + R},
      {"surrogate U+DFFF", "\xED\xBF\xBF", R + R + R},
      {"above U+10FFFF (F4 90)", "\xF4\x90\x80\x80", R + R + R + R},
      {"lead F5", "\xF5\x80\x80\x80", R + R + R + R},
      {"bytes FE and FF", "\xFE\xFF", R + R},
      {"truncated 2-byte at end", "ab\xC3", "ab" + R},
      {"truncated 3-byte at end", "\xE2\x82", R},
      {"truncated 4-byte at end", "\xF0\x9F\x98", R},
      {"truncated 3-byte before ASCII", "\xE2\x82z", R + "z"},
      {"truncated 4-byte before ASCII", "\xF0\x9F\x98z", R + "z"},
      {"truncated sequence before a new lead", "\xE2\x82\xE2\x82\xAC", R + "\xE2\x82\xAC"},
      {"lead byte followed by a lead byte", "\xC3\xC3\xA9", R + "\xC3\xA9"},
      {"Unicode table 3-8 example", "a\xF1\x80\x80\xE1\x80\xC2" "b\x80" "c\x80\xBF" "d",
       "a" + R + R + R + "b" + R + "c" + R + R + "d"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    check_all_chunkings(c.input, c.expected);
    CHECK(reference_decode(c.input) == c.expected);
  }
}

TEST_CASE("a sequence split between feeds is kept back until it is complete", "[utf8]") {
  Utf8Sanitizer sanitizer;
  std::string out;
  sanitizer.feed("x\xF0\x9F", out);
  CHECK(out == "x");
  CHECK(sanitizer.has_pending());
  sanitizer.feed("", out);
  CHECK(out == "x");
  sanitizer.feed("\x98", out);
  CHECK(out == "x");
  sanitizer.feed("\x80y", out);
  CHECK(out == "x\xF0\x9F\x98\x80y");
  CHECK_FALSE(sanitizer.has_pending());
  sanitizer.finish(out);
  CHECK(out == "x\xF0\x9F\x98\x80y");
}

TEST_CASE("finish flushes a truncated sequence once, and the sanitizer starts afresh", "[utf8]") {
  Utf8Sanitizer sanitizer;
  std::string out;
  sanitizer.feed("\xE2\x82", out);
  sanitizer.finish(out);
  CHECK(out == R);
  sanitizer.finish(out);
  CHECK(out == R);
  sanitizer.feed("\xAC", out);  // no longer the continuation of anything
  sanitizer.finish(out);
  CHECK(out == R + R);
}

TEST_CASE("reset drops a kept-back sequence without output", "[utf8]") {
  Utf8Sanitizer sanitizer;
  std::string out;
  sanitizer.feed("\xE2\x82", out);
  sanitizer.reset();
  sanitizer.feed("ok", out);
  sanitizer.finish(out);
  CHECK(out == "ok");
}

TEST_CASE("random bytes: same output as the WHATWG decoder, in any chunking", "[utf8]") {
  // Bytes drawn mostly from the interesting boundaries so that every branch of the decoder is exercised.
  const std::vector<unsigned char> alphabet = {'a', ' ', 0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                                               0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF1,
                                               0xF4, 0xF5, 0xFF};
  std::mt19937 rng(20240601);
  for (int round = 0; round < 3000; ++round) {
    std::string input;
    const std::size_t length = rng() % 24;
    for (std::size_t i = 0; i < length; ++i) input += static_cast<char>(alphabet[rng() % alphabet.size()]);
    const std::string expected = reference_decode(input);
    INFO("round " << round);
    REQUIRE(sanitize_utf8(input) == expected);
    REQUIRE(sanitize_in_pieces(input, random_sizes(rng, input.size())) == expected);
    REQUIRE(sanitize_utf8(expected) == expected);  // the output is valid UTF-8
  }
}

TEST_CASE("long valid text is copied whole through the fast path", "[utf8]") {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "ascii line with some words \xE2\x82\xAC\n";
  Utf8Sanitizer sanitizer;
  std::string out;
  sanitizer.feed(text, out);
  sanitizer.finish(out);
  CHECK(out == text);
}
