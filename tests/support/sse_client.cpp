// testsupport::SseClient and http_request (see sse_client.hpp). The client decodes HTTP/1.1 framing by hand so
// that tests see exactly how a response ended.
#include "sse_client.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace testsupport {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return left < std::chrono::milliseconds(0) ? std::chrono::milliseconds(0) : left;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string trim(std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  std::size_t last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

SseClient::SseClient(int port, const std::string& path, const Headers& extra_headers,
                     std::chrono::milliseconds timeout)
    : connection_(port, timeout),
      parser_(ssetool::Parser::Callbacks{
          [this](ssetool::ParsedEvent&& e) { events_.push_back(std::move(e)); },
          [this](std::uint64_t retry) { retry_ = retry; },
          [this](std::string_view comment) { comments_.emplace_back(comment); },
      }) {
  auto deadline = Clock::now() + timeout;
  std::string request = "GET " + path + " HTTP/1.1\r\n";
  if (!find_header(extra_headers, "Host")) request += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  if (!find_header(extra_headers, "Accept")) request += "Accept: text/event-stream\r\n";
  for (const auto& [name, value] : extra_headers) request += name + ": " + value + "\r\n";
  request += "\r\n";
  if (!connection_.send_all(request, left_until(deadline)))
    throw std::runtime_error("SseClient: cannot send the request for " + path);
  read_head(deadline);
}

void SseClient::read_head(Clock::time_point deadline) {
  std::optional<std::size_t> end = connection_.read_until("\r\n\r\n", left_until(deadline));
  if (!end) {
    throw std::runtime_error("SseClient: no complete response head; received: " + connection_.received());
  }
  std::string_view head = std::string_view(connection_.received()).substr(0, *end + 2);
  consumed_ = *end + 4;
  std::size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  std::size_t space = status_line.find(' ');
  if (!status_line.starts_with("HTTP/1.") || space == std::string_view::npos) {
    throw std::runtime_error("SseClient: bad status line: " + std::string(status_line));
  }
  std::string_view code = status_line.substr(space + 1, 3);
  std::from_chars(code.data(), code.data() + code.size(), status_);
  for (std::size_t start = line_end + 2; start < head.size();) {
    std::size_t next = head.find("\r\n", start);
    std::string_view line = head.substr(start, next - start);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) headers_.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    start = next + 2;
  }
  if (status_ == 204 || status_ == 304 || (status_ >= 100 && status_ < 200)) {
    framing_ = Framing::none;
  } else if (auto te = header("Transfer-Encoding"); te && iequals(*te, "chunked")) {
    framing_ = Framing::chunked;
  } else if (auto length = header("Content-Length")) {
    framing_ = Framing::length;
    std::from_chars(length->data(), length->data() + length->size(), remaining_);
  }
  decode();
}

// Reads once more and decodes; false when nothing more can arrive.
bool SseClient::pump(Clock::time_point deadline) {
  if (ended()) return false;
  connection_.read_some(left_until(deadline));
  decode();
  if (connection_.closed_by_peer() && !ended()) {
    // A body delimited by closing ends cleanly with an orderly close; any other body was cut short.
    finish(framing_ == Framing::close && !connection_.reset_by_peer());
  }
  return !ended();
}

// Decodes what has been received but not yet decoded.
void SseClient::decode() {
  std::string_view fresh = std::string_view(connection_.received()).substr(consumed_);
  switch (framing_) {
    case Framing::none:
      finish(true);
      break;
    case Framing::close:
      consumed_ += fresh.size();
      deliver(fresh);
      break;
    case Framing::length: {
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, fresh.size()));
      consumed_ += take;
      remaining_ -= take;
      deliver(fresh.substr(0, take));
      if (remaining_ == 0) finish(true);
      break;
    }
    case Framing::chunked:
      while (!ended() && decode_chunked()) {
      }
      break;
  }
}

// One step of chunked decoding; false when more bytes are needed.
bool SseClient::decode_chunked() {
  std::string_view fresh = std::string_view(connection_.received()).substr(consumed_);
  switch (chunk_state_) {
    case ChunkState::size: {
      std::size_t eol = fresh.find("\r\n");
      if (eol == std::string_view::npos) return false;
      std::string_view digits = fresh.substr(0, std::min(eol, fresh.find(';')));
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), remaining_, 16);
      if (ec != std::errc() || digits.empty()) {
        finish(false);  // malformed framing counts as an abrupt end
        return false;
      }
      consumed_ += eol + 2;
      chunk_state_ = remaining_ == 0 ? ChunkState::trailers : ChunkState::data;
      return true;
    }
    case ChunkState::data: {
      if (fresh.empty()) return false;
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, fresh.size()));
      consumed_ += take;
      remaining_ -= take;
      deliver(fresh.substr(0, take));
      if (remaining_ == 0) chunk_state_ = ChunkState::data_end;
      return true;
    }
    case ChunkState::data_end:
      if (fresh.size() < 2) return false;
      if (!fresh.starts_with("\r\n")) {
        finish(false);
        return false;
      }
      consumed_ += 2;
      chunk_state_ = ChunkState::size;
      return true;
    case ChunkState::trailers: {
      std::size_t eol = fresh.find("\r\n");
      if (eol == std::string_view::npos) return false;
      consumed_ += eol + 2;
      if (eol == 0) finish(true);  // the empty line after the last chunk (and any trailers)
      return true;
    }
  }
  return false;
}

void SseClient::deliver(std::string_view bytes) {
  if (bytes.empty()) return;
  body_.append(bytes);
  parser_.feed(bytes);
}

void SseClient::finish(bool cleanly) {
  if (ended()) return;
  (cleanly ? ended_cleanly_ : ended_abruptly_) = true;
  parser_.finish();
}

std::optional<ssetool::ParsedEvent> SseClient::next_event(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (events_.empty() && Clock::now() < deadline && pump(deadline)) {
  }
  if (events_.empty()) return std::nullopt;
  ssetool::ParsedEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

std::vector<ssetool::ParsedEvent> SseClient::events_until(std::size_t n, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::vector<ssetool::ParsedEvent> events;
  while (events.size() < n) {
    std::optional<ssetool::ParsedEvent> event = next_event(left_until(deadline));
    if (!event) break;
    events.push_back(std::move(*event));
  }
  return events;
}

bool SseClient::wait_end(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!ended() && Clock::now() < deadline) pump(deadline);
  return ended_cleanly_;
}

HttpResponse http_request(int port, const std::string& method, const std::string& path, const Headers& headers,
                          const std::string& body, std::chrono::milliseconds timeout) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  httplib::Request request;
  request.method = method;
  request.path = path;
  for (const auto& [name, value] : headers) request.headers.emplace(name, value);
  request.body = body;
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  if (!client.send(request, response, error)) {
    throw std::runtime_error(method + " " + path + " to port " + std::to_string(port) + ": " +
                             httplib::to_string(error));
  }
  HttpResponse result;
  result.status = response.status;
  for (const auto& [name, value] : response.headers) result.headers.emplace_back(name, value);
  result.body = response.body;
  return result;
}

std::vector<std::string> data_of(const std::vector<ssetool::ParsedEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.data);
  return out;
}

std::vector<std::string> ids_of(const std::vector<ssetool::ParsedEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.last_event_id);
  return out;
}

}  // namespace testsupport
