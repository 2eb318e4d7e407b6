// Reads one output of a child process (a pipe, or a pseudo-terminal's master side) on the stream loop without
// ever blocking, and splits what it reads into lines. At most one buffer (64 KiB) is read per wake-up, so one
// busy child cannot starve the other connections. pause()/resume() stop and restart reading: the child then
// blocks on its own full pipe, which is how a slow client slows down its own process. Lives on the loop thread.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ssetool/loop/loop.hpp"
#include "ssetool/wire/line_splitter.hpp"

namespace ssetool {

class FdReader {
 public:
  using LineHandler = std::function<void(std::string_view line)>;
  // End of the output: `error` is empty at a normal end (EOF, or EIO from a pty whose every slave closed), or
  // says why reading stopped (a line over the limit, a read error).
  using EndHandler = std::function<void(const std::optional<std::string>& error)>;

  // Takes ownership of `fd` (non-blocking) and starts watching it.
  FdReader(Loop& loop, int fd, std::size_t max_line, LineHandler on_line, EndHandler on_end);
  ~FdReader();
  FdReader(const FdReader&) = delete;
  FdReader& operator=(const FdReader&) = delete;

  void pause();
  void resume();
  bool paused() const { return paused_; }
  // Reads what can be read right now (ignoring pause), then ends as at end of output.
  void drain_and_end();
  // Stops reading and closes the descriptor; no handler is called any more.
  void close();
  bool open() const { return fd_ >= 0; }

 private:
  void watch();
  enum class ReadResult { more, empty, ended };  // ended: closed, and the end handler has run (unless closed)

  void on_readable();
  ReadResult read_once();
  void deliver(std::string_view line);
  void end(const std::optional<std::string>& error);

  Loop& loop_;
  int fd_;
  bool watching_ = false;
  bool paused_ = false;
  LineSplitter splitter_;
  LineHandler on_line_;
  EndHandler on_end_;
};

}  // namespace ssetool
