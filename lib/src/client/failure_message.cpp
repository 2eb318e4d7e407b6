// Why a client run failed, in one line (see client/failure_message.hpp).
#include "ssetool/client/failure_message.hpp"

#include <fmt/format.h>

#include "ssetool/wire/utf8.hpp"

namespace ssetool {
namespace {

constexpr std::size_t kExcerptLimit = 200;

}  // namespace

std::string body_excerpt(const std::string& body) {
  std::string text = sanitize_utf8(body);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  std::size_t first = text.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  text = text.substr(first, text.find_last_not_of(' ') - first + 1);
  if (text.size() > kExcerptLimit) {
    std::size_t cut = kExcerptLimit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    text = text.substr(0, cut) + "...";
  }
  return text;
}

std::string failure_message(const ClientResult& result) {
  if (result.reason == ClientResult::Reason::rejected) {
    std::string excerpt = body_excerpt(result.body_start);
    return result.message + (excerpt.empty() ? "" : ": " + excerpt);
  }
  if (result.reason == ClientResult::Reason::failed && result.reconnects > 0 && !result.gave_up)
    return result.message + fmt::format(" (after {} reconnection(s))", result.reconnects);
  return result.message;
}

std::string describe_delay(std::chrono::milliseconds delay) {
  const auto ms = delay.count();
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000);
}

std::string retry_line(const RetryNotice& notice) {
  return fmt::format("{}; {} in {} (attempt {})", notice.what, notice.had_stream ? "reconnecting" : "retrying",
                     describe_delay(notice.delay), notice.next_attempt);
}

}  // namespace ssetool
