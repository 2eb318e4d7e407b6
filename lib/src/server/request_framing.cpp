// Strict, incremental HTTP/1.x request framing on the loop (see server/request_framing.hpp).
#include "ssetool/server/request_framing.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ssetool {
namespace {

constexpr std::size_t kMaxChunkLine = 4096;  // a chunk-size line, extensions included

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

// A control character other than horizontal tab (field values and targets may not carry them).
bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) { return header_name_equals(a, b); }

// Splits off the next line ending in LF (an optional CR before it is dropped). False when no LF yet.
bool next_line(std::string_view& text, std::string_view& line) {
  std::size_t lf = text.find('\n');
  if (lf == std::string_view::npos) return false;
  line = text.substr(0, lf);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  text.remove_prefix(lf + 1);
  return true;
}

bool framing_name(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Expect");
}

}  // namespace

std::string RequestHead::path() const { return target.substr(0, target.find('?')); }

std::string RequestHead::query() const {
  std::size_t q = target.find('?');
  return q == std::string::npos ? "" : target.substr(q + 1);
}

RequestFramer::Status RequestFramer::feed(std::string& input) {
  switch (phase_) {
      case Phase::head: return read_head(input);
      case Phase::body_length: return read_length_body(input);
      case Phase::chunk_size:
      case Phase::chunk_data:
      case Phase::chunk_data_end:
      case Phase::trailers: return read_chunked(input);
      case Phase::done: return Status::complete;
      case Phase::failed: return Status::refused;
  }
  return Status::refused;
}

RequestFramer::Status RequestFramer::fail(int status, const char* reason, const char* why) {
  phase_ = Phase::failed;
  error_status_ = status;
  error_reason_ = reason;
  error_why_ = why;
  return Status::refused;
}

RequestFramer::Status RequestFramer::read_head(std::string& input) {
  // Empty lines before the request line are ignored (RFC 9112 2.2).
  std::size_t skip = 0;
  while (skip < input.size() && (input[skip] == '\r' || input[skip] == '\n')) ++skip;
  input.erase(0, skip);
  std::size_t end = std::string::npos, body_start = 0;
  for (std::size_t lf = input.find('\n'); lf != std::string::npos; lf = input.find('\n', lf + 1)) {
    std::size_t next = lf + 1;
    if (next < input.size() && input[next] == '\r') ++next;
    if (next < input.size() && input[next] == '\n') {
      end = lf + 1;
      body_start = next + 1;
      break;
    }
    if (lf > limits_.max_header_bytes) break;
  }
  if (end == std::string::npos || end > limits_.max_header_bytes) {
    if (end != std::string::npos || input.size() > limits_.max_header_bytes)
      return fail(431, "Request Header Fields Too Large", "the request head is over 64 KiB");
    return Status::incomplete;
  }
  if (!parse_head(std::string_view(input).substr(0, end))) return Status::refused;
  input.erase(0, body_start);
  return after_head();
}

RequestFramer::Status RequestFramer::after_head() {
  if (head_.chunked) {
    phase_ = Phase::chunk_size;
  } else if (head_.content_length > 0) {
    if (head_.content_length > limits_.max_body_bytes) return fail(413, "Content Too Large", "the Content-Length is over the server's --max-body");
    phase_ = Phase::body_length;
  } else {
    phase_ = Phase::done;
    return Status::complete;
  }
  return Status::head_ready;
}

bool RequestFramer::parse_head(std::string_view text) {
  std::string_view line;
  next_line(text, line);
  if (line.find('\r') != std::string_view::npos) return fail(400, "Bad Request", "a CR without LF in the request line"), false;
  std::size_t sp1 = line.find(' '), sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(400, "Bad Request", "the request line is not METHOD TARGET VERSION"), false;
  head_.method = line.substr(0, sp1);
  head_.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  head_.version = line.substr(sp2 + 1);
  if (!is_token(head_.method) || head_.target.empty() || has_control(head_.target) ||
      head_.target.find('\t') != std::string::npos)
    return fail(400, "Bad Request", "the method or target holds a character it may not"), false;
  if (head_.version != "HTTP/1.1" && head_.version != "HTTP/1.0") {
    bool http = head_.version.size() == 8 && head_.version.rfind("HTTP/", 0) == 0;
    return fail(http ? 505 : 400, http ? "HTTP Version Not Supported" : "Bad Request",
                http ? "only HTTP/1.1 and HTTP/1.0 are served" : "the request line ends in no HTTP version"), false;
  }
  while (next_line(text, line)) {
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') return fail(400, "Bad Request", "a folded header line"), false;  // obs-fold
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail(400, "Bad Request", "a header line without a colon"), false;
    std::string_view name = line.substr(0, colon), value = trim_ows(line.substr(colon + 1));
    if (!is_token(name) || has_control(value)) return fail(400, "Bad Request", "a header name that is not a token, or a control character in a value"), false;  // also "Name :"
    if (!parse_framing_header(name, value)) return false;
    head_.headers.emplace_back(name, value);
  }
  bool v11 = head_.version == "HTTP/1.1";
  if (seen_transfer_encoding_ && (seen_content_length_ || !v11)) return fail(400, "Bad Request", "Transfer-Encoding with Content-Length, or on HTTP/1.0"), false;
  auto hosts = std::count_if(head_.headers.begin(), head_.headers.end(),
                             [](const auto& h) { return iequals(h.first, "Host"); });
  if (hosts > 1 || (v11 && hosts == 0)) return fail(400, "Bad Request", "no Host header on HTTP/1.1, or more than one"), false;
  return true;
}

// Content-Length, Transfer-Encoding and Expect. False (and failed) when the framing is not acceptable.
bool RequestFramer::parse_framing_header(std::string_view name, std::string_view value) {
  if (iequals(name, "Content-Length")) {
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    bool digits = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) return fail(400, "Bad Request", "a Content-Length that is not a number"), false;
    if (ec == std::errc::result_out_of_range) return fail(413, "Content Too Large", "the Content-Length is over the server's --max-body"), false;
    if (seen_content_length_ && n != head_.content_length) return fail(400, "Bad Request", "Content-Length headers that differ"), false;
    seen_content_length_ = true;
    head_.content_length = n;
  } else if (iequals(name, "Transfer-Encoding")) {
    if (seen_transfer_encoding_ || !iequals(value, "chunked")) return fail(501, "Not Implemented", "a Transfer-Encoding other than one chunked"), false;
    seen_transfer_encoding_ = true;
    head_.chunked = true;
  } else if (iequals(name, "Expect")) {
    head_.expects_continue = iequals(value, "100-continue");
  }
  return true;
}

RequestFramer::Status RequestFramer::read_length_body(std::string& input) {
  std::size_t take = std::min(head_.content_length - body_.size(), input.size());
  if (body_.empty()) body_.reserve(head_.content_length);
  body_.append(input, 0, take);
  input.erase(0, take);
  if (body_.size() < head_.content_length) return Status::incomplete;
  phase_ = Phase::done;
  return Status::complete;
}

RequestFramer::Status RequestFramer::read_chunked(std::string& input) {
  for (;;) {
    if (phase_ == Phase::chunk_data) {
      std::size_t take = std::min(chunk_left_, input.size());
      body_.append(input, 0, take);
      input.erase(0, take);
      chunk_left_ -= take;
      if (chunk_left_ > 0) return Status::incomplete;
      phase_ = Phase::chunk_data_end;
    }
    if (phase_ == Phase::chunk_data_end) {
      std::size_t n = input.rfind("\r\n", 0) == 0 ? 2 : input.rfind('\n', 0) == 0 ? 1 : 0;
      if (n == 0) return input.empty() || input == "\r" ? Status::incomplete : fail(400, "Bad Request", "a chunk not followed by a line end");
      input.erase(0, n);
      phase_ = Phase::chunk_size;
    }
    std::string_view text = input, line;
    if (!next_line(text, line)) {
      std::size_t limit = phase_ == Phase::trailers ? limits_.max_header_bytes - trailer_bytes_ : kMaxChunkLine;
      if (input.size() <= limit) return Status::incomplete;
      return phase_ == Phase::trailers ? fail(431, "Request Header Fields Too Large", "the trailers are over 64 KiB")
                                   : fail(400, "Bad Request", "a chunk size line that is too long");
    }
    std::size_t consumed = input.size() - text.size();
    if (line.find('\r') != std::string_view::npos) return fail(400, "Bad Request", "a CR without LF in the chunked body");
    if (phase_ == Phase::trailers) {
      trailer_bytes_ += consumed;
      if (trailer_bytes_ > limits_.max_header_bytes) return fail(431, "Request Header Fields Too Large", "the trailers are over 64 KiB");
      input.erase(0, consumed);
      if (line.empty()) {
        phase_ = Phase::done;
        return Status::complete;
      }
      continue;  // trailer fields are read and dropped
    }
    if (consumed > kMaxChunkLine) return fail(400, "Bad Request", "a chunk size line that is too long");
    std::size_t digits = 0, size = 0;
    while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]))) ++digits;
    if (digits == 0) return fail(400, "Bad Request", "a chunk size that is not hexadecimal");
    if (digits > 15) return fail(413, "Content Too Large", "the chunked body is over the server's --max-body");
    std::from_chars(line.data(), line.data() + digits, size, 16);
    std::string_view rest = trim_ows(line.substr(digits));
    if (!rest.empty() && (rest.front() != ';' || has_control(rest))) return fail(400, "Bad Request", "a malformed chunk extension");
    if (size > limits_.max_body_bytes - body_.size()) return fail(413, "Content Too Large", "the chunked body is over the server's --max-body");
    input.erase(0, consumed);
    if (size == 0) {
      phase_ = Phase::trailers;
    } else {
      chunk_left_ = size;
      phase_ = Phase::chunk_data;
    }
  }
}

std::string RequestFramer::take_request() {
  std::string out = head_.method + " " + head_.target + " " + head_.version + "\r\n";
  for (const auto& [name, value] : head_.headers)
    if (!framing_name(name)) out += name + ": " + value + "\r\n";
  bool bodiless_method = head_.method == "GET" || head_.method == "HEAD";
  if (!body_.empty() || !bodiless_method || seen_content_length_ || head_.chunked)
    out += "Content-Length: " + std::to_string(body_.size()) + "\r\n";
  out += "\r\n";
  out += body_;
  *this = RequestFramer(limits_);
  return out;
}

}  // namespace ssetool
