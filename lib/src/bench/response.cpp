// The incremental HTTP/1.1 response reader of `ssetool bench` (see bench/response.hpp).
#include "ssetool/bench/response.hpp"

#include <algorithm>
#include <charconv>

namespace ssetool {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The next line of `text` (without CR LF or LF); advances `text` past it.
std::string_view next_line(std::string_view& text) {
  std::size_t lf = text.find('\n');
  std::string_view line = text.substr(0, lf);
  text = lf == std::string_view::npos ? std::string_view() : text.substr(lf + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool contains_token(std::string_view list, std::string_view token) {
  std::string lower(list);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find(token) != std::string::npos;
}

}  // namespace

std::string ResponseReader::header(std::string_view name) const {
  for (const auto& [n, v] : headers_)
    if (iequals(n, name)) return v;
  return {};
}

void ResponseReader::fail(std::string why) {
  state_ = State::failed;
  error_ = std::move(why);
}

ResponseReader::State ResponseReader::feed(std::string_view bytes) {
  if (state_ == State::head) feed_head(bytes);
  if (state_ == State::body) feed_body(bytes);
  return state_;
}

ResponseReader::State ResponseReader::finish() {
  if (state_ == State::head) fail("the connection closed before the response head was complete");
  else if (state_ == State::body && framing_ == Framing::until_close) state_ = State::complete;
  else if (state_ == State::body && framing_ == Framing::chunked) fail("the connection closed without the final chunk");
  else if (state_ == State::body) fail("the connection closed before Content-Length bytes arrived");
  return state_;
}

void ResponseReader::feed_head(std::string_view& bytes) {
  std::size_t before = head_.size();
  std::size_t searched_from = before >= 3 ? before - 3 : 0;
  head_.append(bytes.data(), std::min(bytes.size(), kMaxHead + 4 - before));
  // The head ends at the first empty line: CR LF CR LF, or LF LF from a lax server.
  std::size_t crlf = head_.find("\r\n\r\n", searched_from);
  std::size_t lf = head_.find("\n\n", searched_from);
  std::size_t end = std::min(crlf, lf);
  if (end == std::string::npos || end > kMaxHead) {
    if (head_.size() > kMaxHead) fail("the response head is larger than 16 KiB");
    bytes = {};
    return;
  }
  std::size_t head_end = end + (end == crlf ? 4 : 2);
  bytes.remove_prefix(head_end - before);
  std::string head = std::move(head_);
  head_ = std::string();
  if (!parse_head(std::string_view(head).substr(0, end)) || !choose_framing()) return;
  state_ = State::body;
  if (callbacks_.on_head && !callbacks_.on_head()) state_ = State::stopped;
  else if (framing_ == Framing::length && remaining_ == 0) state_ = State::complete;
}

bool ResponseReader::parse_head(std::string_view head) {
  std::string_view status_line = next_line(head);
  // "HTTP/1.1 200 OK"
  if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12 || status_line[8] != ' ') {
    fail("not an HTTP response: '" + std::string(status_line.substr(0, 40)) + "'");
    return false;
  }
  auto code = status_line.substr(9, 3);
  auto [end, ec] = std::from_chars(code.data(), code.data() + 3, status_);
  if (ec != std::errc() || end != code.data() + 3 || status_ < 100 || status_ > 599) {
    fail("invalid status in '" + std::string(status_line.substr(0, 40)) + "'");
    return false;
  }
  reason_ = std::string(trim(status_line.substr(12)));
  while (!head.empty()) {
    std::string_view line = next_line(head);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      fail("malformed header line '" + std::string(line.substr(0, 40)) + "'");
      return false;
    }
    headers_.emplace_back(std::string(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
  }
  return true;
}

bool ResponseReader::choose_framing() {
  if (contains_token(header("Transfer-Encoding"), "chunked")) {
    framing_ = Framing::chunked;
    return true;
  }
  std::string length = header("Content-Length");
  if (length.empty()) {
    framing_ = Framing::until_close;
    return true;
  }
  auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), remaining_);
  if (ec != std::errc() || end != length.data() + length.size()) {
    fail("invalid Content-Length '" + length + "'");
    return false;
  }
  framing_ = Framing::length;
  return true;
}

void ResponseReader::feed_body(std::string_view bytes) {
  switch (framing_) {
    case Framing::until_close:
      emit(bytes);
      return;
    case Framing::length: {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size()));
      emit(bytes.substr(0, n));
      remaining_ -= n;
      if (remaining_ == 0) state_ = State::complete;
      return;
    }
    case Framing::chunked:
      feed_chunked(bytes);
      return;
  }
}

// Collects a line split between feeds into `line`; `complete` once its LF was seen. False when it is too long.
bool ResponseReader::take_line(std::string_view& bytes, std::string& line, bool& complete) {
  std::size_t lf = bytes.find('\n');
  std::size_t take = lf == std::string_view::npos ? bytes.size() : lf;
  if (line.size() + take > kMaxChunkLine) return false;
  line.append(bytes.data(), take);
  complete = lf != std::string_view::npos;
  bytes.remove_prefix(complete ? lf + 1 : take);
  if (complete && !line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

bool ResponseReader::start_chunk(std::string_view size_line) {
  std::string_view digits = trim(size_line.substr(0, size_line.find(';')));
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), remaining_, 16);
  if (digits.empty() || digits.size() > 15 || ec != std::errc() || end != digits.data() + digits.size()) {
    fail("invalid chunk size line '" + std::string(size_line.substr(0, 40)) + "'");
    return false;
  }
  part_ = remaining_ == 0 ? ChunkPart::trailer : ChunkPart::data;
  return true;
}

void ResponseReader::feed_chunked(std::string_view bytes) {
  while (!bytes.empty() && state_ == State::body) {
    if (part_ == ChunkPart::data) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size()));
      emit(bytes.substr(0, n));
      bytes.remove_prefix(n);
      remaining_ -= n;
      if (remaining_ == 0) part_ = ChunkPart::data_end;
      continue;
    }
    bool complete = false;
    if (!take_line(bytes, line_, complete)) return fail("a chunk-size or trailer line is longer than 1 KiB");
    if (!complete) return;
    std::string line = std::move(line_);
    line_.clear();
    if (part_ == ChunkPart::size_line) {
      if (!start_chunk(line)) return;
    } else if (part_ == ChunkPart::data_end) {
      if (!line.empty()) return fail("a chunk's data is longer than its size");
      part_ = ChunkPart::size_line;
    } else if (line.empty()) {  // trailer: an empty line ends the body
      state_ = State::complete;
    }
  }
}

}  // namespace ssetool
