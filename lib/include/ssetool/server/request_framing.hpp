// Reads one HTTP/1.x request off a connection's bytes, on the stream loop, body included, so that a worker only
// ever gets a complete, bounded request and never waits for a client. Framing is strict (RFC 9112): anything
// that two parsers could read differently (Content-Length with Transfer-Encoding, differing or invalid
// Content-Lengths, space before a colon, obs-fold, HTTP/1.1 without Host, bare CR...) is refused with 400.
// A chunked body is decoded incrementally, with bounded size lines and trailers. The request is handed on
// normalised: its head rewritten with CRLF line ends, Transfer-Encoding/Content-Length/Expect replaced by one
// `Content-Length: N`, then the decoded body; bytes after it (pipelined requests) are left unread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ssetool/wire/headers.hpp"

namespace ssetool {

struct FramingLimits {
  std::size_t max_header_bytes = 64 * 1024;  // request line + headers (and, separately, trailers)
  std::size_t max_body_bytes = 8 << 20;      // decoded body
};

// The parsed request line and headers, as received (framing headers included).
struct RequestHead {
  std::string method, target, version;  // version: "HTTP/1.0" or "HTTP/1.1"
  Headers headers;
  bool chunked = false;
  std::size_t content_length = 0;  // when not chunked
  bool expects_continue = false;   // "Expect: 100-continue" on HTTP/1.1

  std::string path() const;   // target without the query
  std::string query() const;  // after '?', raw
  bool has_body() const { return chunked || content_length > 0; }
};

class RequestFramer {
 public:
  enum class Status {
    incomplete,  // feed more bytes
    head_ready,  // the head is parsed (head()); the body follows: the caller may refuse now. Returned once.
    complete,    // the whole request is here: take_request()
    refused,     // error_status() / error_reason(): answer it and close the connection
  };

  explicit RequestFramer(FramingLimits limits) : limits_(limits) {}

  // Consumes what it can from the front of `input` (bytes received, in order); unconsumed bytes stay there.
  Status feed(std::string& input);

  const RequestHead& head() const { return head_; }
  std::size_t body_size() const { return body_.size(); }
  bool head_read() const { return phase_ != Phase::head; }  // the head was parsed; the body may be on its way
  int error_status() const { return error_status_; }
  const char* error_reason() const { return error_reason_; }
  const char* error_why() const { return error_why_; }  // one line for the body: "no Host header on HTTP/1.1..."
  // After complete: the normalised request (head with Content-Length, then the body). Resets the framer.
  std::string take_request();

 private:
  enum class Phase { head, body_length, chunk_size, chunk_data, chunk_data_end, trailers, done, failed };

  Status read_head(std::string& input);
  Status read_length_body(std::string& input);
  Status read_chunked(std::string& input);
  bool parse_head(std::string_view text);
  bool parse_framing_header(std::string_view name, std::string_view value);
  Status fail(int status, const char* reason, const char* why);
  Status after_head();

  FramingLimits limits_;
  Phase phase_ = Phase::head;
  RequestHead head_;
  std::string body_;
  std::size_t chunk_left_ = 0;
  std::size_t trailer_bytes_ = 0;
  bool seen_content_length_ = false;
  bool seen_transfer_encoding_ = false;
  int error_status_ = 0;
  const char* error_reason_ = "";
  const char* error_why_ = "";
};

}  // namespace ssetool
