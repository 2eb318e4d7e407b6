// Reads one HTTP/1.1 response from the bytes of a connection, as they arrive in pieces: the head (status line and
// headers, at most 16 KiB), then the body — de-chunked for Transfer-Encoding: chunked, counted for
// Content-Length, or running until the connection closes. Body bytes are handed on as they are decoded, without
// being buffered. Used by `ssetool bench`, one reader per connection; it never throws on bad input: the state
// becomes `failed` and error() says what was wrong.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssetool {

class ResponseReader {
 public:
  enum class State {
    head,      // reading the status line and headers
    body,      // reading the body
    complete,  // the body ended as its framing says (final chunk, Content-Length reached, or close)
    stopped,   // on_head() declined the body
    failed,    // malformed or truncated: see error()
  };

  struct Callbacks {
    std::function<bool()> on_head;                   // the head is complete; return false to read no further
    std::function<void(std::string_view)> on_body;  // decoded body bytes
  };

  static constexpr std::size_t kMaxHead = 16 * 1024;
  static constexpr std::size_t kMaxChunkLine = 1024;  // a chunk-size line or a trailer line

  explicit ResponseReader(Callbacks callbacks) : callbacks_(std::move(callbacks)) {}

  // Feeds the next bytes of the connection; returns the state after them.
  State feed(std::string_view bytes);
  // The connection was closed by the peer: a body running until close is complete; anything unfinished fails.
  State finish();

  State state() const { return state_; }
  const std::string& error() const { return error_; }
  int status() const { return status_; }
  const std::string& reason() const { return reason_; }
  // The first value of a header (the name compared without case), "" when absent.
  std::string header(std::string_view name) const;
  bool chunked() const { return framing_ == Framing::chunked; }

 private:
  enum class Framing { chunked, length, until_close };
  enum class ChunkPart { size_line, data, data_end, trailer };

  void feed_head(std::string_view& bytes);
  bool parse_head(std::string_view head);
  bool choose_framing();
  void feed_body(std::string_view bytes);
  void feed_chunked(std::string_view bytes);
  bool take_line(std::string_view& bytes, std::string& line, bool& complete);
  bool start_chunk(std::string_view size_line);
  void fail(std::string why);
  void emit(std::string_view bytes) {
    if (!bytes.empty() && callbacks_.on_body) callbacks_.on_body(bytes);
  }

  Callbacks callbacks_;
  State state_ = State::head;
  std::string error_;
  std::string head_;  // the head so far; emptied once parsed
  int status_ = 0;
  std::string reason_;
  std::vector<std::pair<std::string, std::string>> headers_;
  Framing framing_ = Framing::until_close;
  std::uint64_t remaining_ = 0;  // bytes left in the current chunk or in the Content-Length body
  ChunkPart part_ = ChunkPart::size_line;
  std::string line_;  // a chunk-size or trailer line split between feeds
};

}  // namespace ssetool
