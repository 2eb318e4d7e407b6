// Events read from a descriptor (stdin, a file, a child's stdout) on a thread of their own: the input is split
// into lines (LineSplitter, at most `max_line` bytes each) and decoded (EventDecoder), and the events of each
// read are handed to a callback in one batch. A line the decoder rejects is reported and skipped, or, with
// `strict`, ends the input; a line over `max_line` always ends it (the events of the lines before a fatal one are
// still handed over). Reading stops at end of input, at such a fatal error, when the callback returns false, or
// when cancel() is called from another thread (which wakes a thread blocked waiting for input; one blocked in
// the callback is the callback's to wake). Cancelled, it reads nothing more, even when input is waiting, yet
// every event decoded from what it had read is handed over (each read is decoded and handed over whole before
// the next wait), but for an event the decoder was still assembling; an unterminated last line is not a line
// yet and is left out (counted in unfinished_bytes()).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ssetool/sources/event_decoder.hpp"
#include "ssetool/wire/event.hpp"

namespace ssetool {

// A line of input that could not be used.
struct InputError {
  std::size_t line = 0;  // 1 for the first line
  std::size_t column = 0;  // the byte of the line where the problem was seen (1 for the first), 0 when unknown
  std::string message;
  bool fatal = false;    // reading stopped here; otherwise the line was skipped
};

struct FdSourceOptions {
  std::size_t max_line = 16 << 20;
  bool strict = false;  // a line the decoder rejects ends the input (fatal) instead of being skipped
};

class FdSource {
 public:
  struct Handlers {
    // A batch of events, never empty (the callee may move them out). False: stop reading (the receiver was
    // cancelled).
    std::function<bool(std::vector<Event>& events)> events;
    std::function<void(const InputError& error)> error;
    // Reading is over, whatever the reason; the last call.
    std::function<void()> end;
  };

  // Starts the thread, which reads `fd` (left open: it stays the caller's). The handlers run on that thread and
  // must not throw.
  // Throws SystemError when the thread's wake-up cannot be made.
  FdSource(int fd, std::unique_ptr<EventDecoder> decoder, FdSourceOptions options, Handlers handlers);
  ~FdSource();  // cancels and joins
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;

  // From any thread: stops reading at the next wait for input.
  void cancel();
  // Waits for the thread to end (after end of input, a fatal error or cancel()).
  void join();
  // True once a fatal input error was reported (before `end` runs).
  bool failed() const { return failed_.load(); }
  // After `end` ran (on the source thread) or join(): the lines read, and the bytes of an unterminated line
  // left out because reading was cancelled.
  std::size_t lines_read() const { return lines_; }
  std::size_t unfinished_bytes() const { return unfinished_bytes_; }
  // Whether an event had begun but was not complete when reading ended (cancelled, or the input ended inside it:
  // SSE data without its blank line), and so was left out.
  bool unfinished_event() const { return unfinished_event_; }

 private:
  void run();
  void read_until_end();
  long wait_and_read(char* buffer, std::size_t size);
  bool deliver(std::vector<Event>& events);
  void on_line(std::string_view line, std::vector<Event>& events);
  void report(std::size_t line, const std::string& message, bool fatal, std::size_t column = 0);

  int fd_;
  int wake_fd_ = -1;  // an eventfd: cancel() makes it readable
  std::unique_ptr<EventDecoder> decoder_;
  FdSourceOptions options_;
  Handlers handlers_;
  std::size_t lines_ = 0;             // source thread only (until it ends)
  std::size_t unfinished_bytes_ = 0;  // ditto
  bool unfinished_event_ = false;     // ditto
  std::atomic<bool> failed_{false};
  std::thread thread_;  // last: started once everything above is ready
};

}  // namespace ssetool
