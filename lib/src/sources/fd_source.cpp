// Reading and decoding a descriptor on a thread of its own (see sources/fd_source.hpp).
#include "ssetool/sources/fd_source.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ssetool/base/errors.hpp"
#include "ssetool/wire/line_splitter.hpp"

namespace ssetool {

FdSource::FdSource(int fd, std::unique_ptr<EventDecoder> decoder, FdSourceOptions options, Handlers handlers)
    : fd_(fd),
      wake_fd_(eventfd(0, EFD_CLOEXEC)),
      decoder_(std::move(decoder)),
      options_(options),
      handlers_(std::move(handlers)) {
  if (wake_fd_ < 0) throw SystemError(std::string("eventfd: ") + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
}

FdSource::~FdSource() {
  cancel();
  join();
  ::close(wake_fd_);
}

void FdSource::cancel() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void FdSource::join() {
  if (thread_.joinable()) thread_.join();
}

// ---- the source thread ----

void FdSource::run() {
  read_until_end();
  if (handlers_.end) handlers_.end();
}

void FdSource::read_until_end() {
  LineSplitter splitter(options_.max_line);
  std::vector<Event> events;
  auto line = [&](std::string_view text) { on_line(text, events); };
  char buffer[64 * 1024];
  for (;;) {
    long n = wait_and_read(buffer, sizeof buffer);
    if (n < 0) {  // cancelled: what was read is handed over already, but for an unterminated line
      unfinished_bytes_ = splitter.pending_bytes();
      unfinished_event_ = decoder_->event_pending();
      return;
    }
    if (n == 0) break;   // end of input
    try {
      splitter.feed(std::string_view(buffer, static_cast<std::size_t>(n)), line);
    } catch (const LimitExceeded& e) {
      if (!failed_) report(lines_ + 1, e.what(), true);
    }
    if (!deliver(events) || failed_) return;
  }
  splitter.finish(line);
  unfinished_event_ = !failed_ && decoder_->event_pending();
  if (!failed_) decoder_->finish(events);
  deliver(events);
}

// Hands the events decoded so far to the callback, if there are any; false when it says to stop.
bool FdSource::deliver(std::vector<Event>& events) {
  if (events.empty()) return true;
  bool more = handlers_.events(events);
  events.clear();
  return more;
}

// Waits for input or cancel(): the number of bytes read (0 at end of input or on a read error), or -1 once
// cancelled.
long FdSource::wait_and_read(char* buffer, std::size_t size) {
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;  // interrupted
    if (fds[1].revents) return -1;
    ssize_t n = ::read(fd_, buffer, size);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    return n < 0 ? 0 : static_cast<long>(n);
  }
}

void FdSource::on_line(std::string_view line, std::vector<Event>& events) {
  if (failed_) return;  // what follows a fatal line in the same read
  ++lines_;
  try {
    decoder_->line(line, events);
  } catch (const InvalidLine& e) {
    report(lines_, e.what(), options_.strict, e.column);
  } catch (const Error& e) {
    report(lines_, e.what(), options_.strict);
  }
}

void FdSource::report(std::size_t line, const std::string& message, bool fatal, std::size_t column) {
  if (fatal) failed_ = true;
  if (handlers_.error) handlers_.error(InputError{line, column, message, fatal});
}

}  // namespace ssetool
