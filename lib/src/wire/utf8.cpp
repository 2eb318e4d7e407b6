// Incremental UTF-8 sanitizer (see wire/utf8.hpp). The byte rules are those of the WHATWG Encoding standard's UTF-8
// decoder: a lead byte fixes how many continuation bytes follow and the range of the first one (which excludes
// overlong forms, surrogates and code points above U+10FFFF); an unexpected byte ends the sequence with one U+FFFD
// and is then looked at again as the start of the next one.
#include "ssetool/wire/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace ssetool {
namespace {

enum class Scan { valid, invalid, incomplete };

struct ScanResult {
  Scan kind;
  std::size_t length;  // valid: the sequence; invalid: the bytes one U+FFFD replaces; incomplete: all of `s`
};

// Examines the sequence that starts with the non-ASCII byte s[0].
ScanResult scan_sequence(std::string_view s) {
  const auto lead = static_cast<unsigned char>(s[0]);
  std::size_t needed = 0;
  unsigned char lower = 0x80;
  unsigned char upper = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    needed = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    needed = 2;
    if (lead == 0xE0) lower = 0xA0;  // overlong
    if (lead == 0xED) upper = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    needed = 3;
    if (lead == 0xF0) lower = 0x90;  // overlong
    if (lead == 0xF4) upper = 0x8F;  // above U+10FFFF
  } else {
    return {Scan::invalid, 1};  // a continuation byte, C0/C1 (always overlong) or F5..FF
  }
  for (std::size_t k = 1; k <= needed; ++k) {
    if (k >= s.size()) return {Scan::incomplete, s.size()};
    const auto b = static_cast<unsigned char>(s[k]);
    if (b < lower || b > upper) return {Scan::invalid, k};
    lower = 0x80;
    upper = 0xBF;
  }
  return {Scan::valid, needed + 1};
}

// Returns the position of the first non-ASCII byte at or after `i` (or s.size()), eight bytes at a time.
std::size_t skip_ascii(std::string_view s, std::size_t i) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  while (i + 8 <= s.size()) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & kHighBits) break;
    i += 8;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

}  // namespace

// Completes the sequence kept back from the previous chunk; returns how many bytes of `bytes` it used.
std::size_t Utf8Sanitizer::resume_pending(std::string_view bytes, std::string& out) {
  if (pending_size_ == 0) return 0;
  const std::size_t kept = pending_size_;
  const std::size_t take = std::min(sizeof pending_ - kept, bytes.size());
  char buffer[sizeof pending_];
  std::memcpy(buffer, pending_, kept);
  std::memcpy(buffer + kept, bytes.data(), take);
  const ScanResult r = scan_sequence({buffer, kept + take});
  if (r.kind == Scan::incomplete) {
    std::memcpy(pending_, buffer, r.length);
    pending_size_ = r.length;
    return take;
  }
  pending_size_ = 0;
  if (r.kind == Scan::valid) {
    out.append(buffer, r.length);
  } else {
    out += kReplacementChar;
  }
  return r.length - kept;  // the kept bytes were a valid prefix, so r.length >= kept
}

void Utf8Sanitizer::feed(std::string_view bytes, std::string& out) {
  std::size_t i = resume_pending(bytes, out);
  std::size_t run = i;  // start of the bytes still to copy unchanged
  while (i < bytes.size()) {
    i = skip_ascii(bytes, i);
    if (i == bytes.size()) break;
    const ScanResult r = scan_sequence(bytes.substr(i));
    if (r.kind == Scan::valid) {
      i += r.length;
      continue;
    }
    out.append(bytes.data() + run, i - run);
    if (r.kind == Scan::incomplete) {
      std::memcpy(pending_, bytes.data() + i, r.length);
      pending_size_ = r.length;
      return;
    }
    out += kReplacementChar;
    i += r.length;
    run = i;
  }
  out.append(bytes.data() + run, bytes.size() - run);
}

void Utf8Sanitizer::finish(std::string& out) {
  if (pending_size_ != 0) out += kReplacementChar;
  pending_size_ = 0;
}

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  Utf8Sanitizer sanitizer;
  sanitizer.feed(bytes, out);
  sanitizer.finish(out);
  return out;
}

}  // namespace ssetool
